import { MalformedFrameError } from '../../../net/errors.js'
import { MAX_PREKEY_BLOB_BYTES } from '../../../net/mailbox-codec.js'
import { ownerOf } from './owner.js'
import type { MailboxHandler } from './types.js'

/** Stores the owner's one-time and last-resort prekeys. */
export const uploadPrekeysHandler: MailboxHandler<'uploadPrekeys'> = {
  ownerRate: true,
  ownerOnly: true,
  async handle (ctx, session, upload, options) {
    const owner = ownerOf(session)
    const all = [...upload.oneTime, ...upload.lastResort]
    if (all.some((p) => p.blob.length === 0 || p.blob.length > MAX_PREKEY_BLOB_BYTES)) throw new MalformedFrameError(`Prekey blobs must be 1..${MAX_PREKEY_BLOB_BYTES} bytes`)
    if (new Set(upload.lastResort.map((p) => p.kind)).size !== upload.lastResort.length) throw new MalformedFrameError('At most one last-resort key per kind')
    const count = await ctx.store.putPrekeys(owner.mailbox, upload.oneTime, upload.lastResort, upload.replace, options)
    return { prekeysStored: { oneTimePrekeys: count } }
  }
}
