import { ownerOf } from './owner.js'
import type { MailboxHandler } from './types.js'

/** Subscribes the owner's stream to pushes of new envelopes. */
export const subscribeHandler: MailboxHandler<'subscribe'> = {
  ownerRate: true,
  ownerOnly: true,
  async handle (ctx, session) {
    ownerOf(session)
    ctx.subscribers.add(session)
    return { subscribed: {} }
  }
}
