import type { MailboxHandler } from './types.js'

/** Verifies the owner's signed answer to the stream's pending challenge; the stream is then the owner's. */
export const authenticateHandler: MailboxHandler<'authenticate'> = {
  ownerRate: true,
  ownerOnly: false,
  async handle (ctx, session, auth, options) {
    const pending = session.pending
    session.pending = undefined
    try {
      const owner = await ctx.auth.verify(pending, auth, options)
      ctx.subscribers.remove(session)
      session.owner = owner
      ctx.metrics.inc('parley_relay_auth_total', { result: 'ok' })
      return { authenticated: { storedEnvelopes: ctx.store.count(owner.mailbox), oneTimePrekeys: ctx.store.prekeyCount(owner.mailbox) } }
    } catch (err) {
      ctx.metrics.inc('parley_relay_auth_total', { result: 'refused' })
      throw err
    }
  }
}
