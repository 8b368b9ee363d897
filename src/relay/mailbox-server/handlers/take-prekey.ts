import { toHex as hex } from '../../../bytes.js'
import { MalformedFrameError } from '../../../net/errors.js'
import { MailboxErrorCode } from '../../../net/mailbox-codec.js'
import { RateLimitedError, RelayRefusal } from '../../errors.js'
import { PREKEY_MAILBOX_LABELS } from '../labels.js'
import type { MailboxHandler } from './types.js'

/**
 * Hands out one prekey per kind of a device, to anyone: a one-time key while the mailbox's
 * one-time budget (all takers together) lasts, else its last-resort keys.
 */
export const takePrekeyHandler: MailboxHandler<'takePrekey'> = {
  ownerRate: false,
  ownerOnly: false,
  async handle (ctx, session, take, options) {
    ctx.checkRate(ctx.prekeyLimiter, 'prekey', session)
    if (take.deviceKey.length !== 32) throw new MalformedFrameError('Device key must be 32 bytes')
    const mailbox = hex(take.deviceKey)
    // past the mailbox's one-time budget (all takers together, kept with the mailbox) a take gets last-resort keys only
    const { prekeys: taken, withheld } = await ctx.store.takePrekeys(mailbox, { ...options, budget: ctx.limits.mailboxPrekeyRate, now: ctx.now() })
    if (withheld) ctx.metrics.inc('parley_relay_rate_limited_total', PREKEY_MAILBOX_LABELS)
    if (taken.length === 0 && withheld) throw new RateLimitedError('One-time prekeys of this device are being taken too fast, and it has no last-resort key; try later')
    if (taken.length === 0) throw new RelayRefusal(MailboxErrorCode.NO_PREKEY, 'No prekeys held for this device')
    for (const t of taken) ctx.metrics.inc('parley_relay_prekeys_taken_total', { type: t.lastResort ? 'last_resort' : 'one_time' })
    return { prekeyBundle: { prekeys: taken.map((t) => t.prekey), lastResort: taken.map((t) => t.lastResort) } }
  }
}
