import { toHex as hex } from '../../../bytes.js'
import { ownerOf } from './owner.js'
import type { MailboxHandler } from './types.js'

/** Deletes envelopes of the owner's mailbox by id (ids of the wrong length are skipped). */
export const ackHandler: MailboxHandler<'ack'> = {
  ownerRate: true,
  ownerOnly: true,
  async handle (ctx, session, ack, options) {
    const owner = ownerOf(session)
    const ids = ack.ids.filter((id) => id.length === 16).map(hex)
    const deleted = await ctx.store.ack(owner.mailbox, ids, options)
    ctx.metrics.inc('parley_relay_acked_envelopes_total', {}, deleted)
    return { acked: { deleted } }
  }
}
