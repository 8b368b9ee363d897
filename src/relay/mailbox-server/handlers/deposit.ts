import { toHex as hex } from '../../../bytes.js'
import { decodeEnvelope } from '../../../net/envelope-codec.js'
import { MailboxErrorCode } from '../../../net/mailbox-codec.js'
import { SECRET_FLAG } from '../../constants.js'
import { EnvelopeTooLargeError, QuotaExceededError, RateLimitedError, RelayRefusal } from '../../errors.js'
import { quotaRefusalLabels } from '../../quota-labels.js'
import { DEPOSIT_BYTES_LABELS, DUPLICATE, STORED } from '../labels.js'
import type { MailboxHandler } from './types.js'

/**
 * Stores a sealed envelope for its recipient device, from anyone: checked against the rate
 * limits, the size cap and its own expiry; its retention capped (secret: 24 h, unowned mailbox:
 * 48 h); pushed to the owner's subscribed streams when new.
 */
export const depositHandler: MailboxHandler<'deposit'> = {
  ownerRate: false,
  ownerOnly: false,
  async handle (ctx, session, deposit, options) {
    ctx.checkRate(ctx.depositLimiter, 'deposit', session)
    const bytes = deposit.envelope
    if (bytes.length > ctx.limits.maxEnvelopeBytes) throw new EnvelopeTooLargeError(`Envelope of ${bytes.length} bytes exceeds ${ctx.limits.maxEnvelopeBytes}`)
    const byteScope = ctx.depositBytes?.take(session.address, bytes.length)
    if (byteScope != null) {
      ctx.metrics.inc('parley_relay_rate_limited_total', DEPOSIT_BYTES_LABELS[byteScope])
      throw new RateLimitedError(`Deposited bytes exceed the rate for this ${byteScope === 'address' ? 'network address' : 'IPv6 /48 network'}; slow down`)
    }
    const envelope = decodeEnvelope(bytes)
    const now = ctx.now()
    const own = Number(envelope.expiresAt)
    if (own !== 0 && own <= now) throw new RelayRefusal(MailboxErrorCode.ENVELOPE_EXPIRED, 'Envelope already expired')
    const secret = (envelope.flags & SECRET_FLAG) !== 0
    let expiresAt = now + ctx.limits.retentionMs
    if (own !== 0) expiresAt = Math.min(expiresAt, own)
    if (secret) expiresAt = Math.min(expiresAt, now + ctx.limits.secretMaxMs)
    const mailbox = hex(envelope.recipientDevice)
    const id = hex(envelope.id)
    session.depositor ??= ctx.store.depositorTag(session.address)
    let result: { duplicate: boolean }
    try {
      // junk to random device keys lands in mailboxes no owner has authenticated: kept briefly
      const unownedExpiresAt = Math.min(expiresAt, now + ctx.limits.unownedRetentionMs)
      result = await ctx.store.deposit({ mailbox, id, bytes, expiresAt, unownedExpiresAt, secret, now, depositor: session.depositor }, options)
    } catch (err) {
      if (err instanceof QuotaExceededError && err.quota != null) ctx.metrics.inc('parley_relay_quota_refusals_total', quotaRefusalLabels(err.quota))
      throw err
    }
    ctx.metrics.inc('parley_relay_deposits_total', result.duplicate ? DUPLICATE : STORED)
    if (!result.duplicate) ctx.subscribers.push(mailbox, bytes, id, secret)
    return { deposited: { duplicate: result.duplicate } }
  }
}
