import { MalformedFrameError } from '../../../net/errors.js'
import { MAX_PREKEY_BLOB_BYTES } from '../../../net/mailbox-codec.js'
import { QuotaExceededError, RateLimitedError } from '../../errors.js'
import { KINDS } from '../../mailbox-store/keys.js'
import { quotaRefusalLabels } from '../../quota-labels.js'
import { ADDRESS_WHAT, PREKEY_UPLOAD_BYTES_LABELS } from '../labels.js'
import { ownerOf } from './owner.js'
import type { MailboxHandler } from './types.js'

/**
 * Stores the owner's one-time and last-resort prekeys. Their bytes are written to disk like
 * deposits: they take from the uploading address's byte bucket, and the store counts them in the
 * mailbox's bytes, the storage cap and the address's share.
 */
export const uploadPrekeysHandler: MailboxHandler<'uploadPrekeys'> = {
  ownerRate: true,
  ownerOnly: true,
  async handle (ctx, session, upload, options) {
    const owner = ownerOf(session)
    const all = [...upload.oneTime, ...upload.lastResort]
    if (all.some((p) => p.blob.length === 0 || p.blob.length > MAX_PREKEY_BLOB_BYTES)) throw new MalformedFrameError(`Prekey blobs must be 1..${MAX_PREKEY_BLOB_BYTES} bytes`)
    if (all.some((p) => !KINDS.includes(p.kind))) throw new MalformedFrameError('Unknown prekey kind')
    if (new Set(upload.lastResort.map((p) => p.kind)).size !== upload.lastResort.length) throw new MalformedFrameError('At most one last-resort key per kind')
    const bytes = all.reduce((sum, p) => sum + p.blob.length, 0)
    const byteScope = ctx.depositBytes?.take(session.address, bytes)
    if (byteScope != null) {
      ctx.metrics.inc('parley_relay_rate_limited_total', PREKEY_UPLOAD_BYTES_LABELS[byteScope])
      throw new RateLimitedError(`Bytes written exceed the rate for this ${ADDRESS_WHAT[byteScope]}; slow down`)
    }
    session.depositor ??= ctx.store.depositorTag(session.address)
    try {
      const count = await ctx.store.putPrekeys(owner.mailbox, { oneTime: upload.oneTime, lastResort: upload.lastResort, replace: upload.replace, uploader: session.depositor }, options)
      return { prekeysStored: { oneTimePrekeys: count } }
    } catch (err) {
      if (err instanceof QuotaExceededError && err.quota != null) ctx.metrics.inc('parley_relay_quota_refusals_total', quotaRefusalLabels(err.quota))
      throw err
    }
  }
}
