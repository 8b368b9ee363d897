import { QuotaExceededError, RateLimitedError } from '../../errors.js'
import { quotaRefusalLabels } from '../../quota-labels.js'
import { ADDRESS_WHAT, NEW_MAILBOX_LABELS } from '../labels.js'
import type { MailboxSession } from '../session.js'
import type { HandlerContext, MailboxHandler } from './types.js'

/**
 * Before a first login makes a mailbox owned: the stream's address must have owned-mailbox share
 * left, then a token of its new-mailbox rate (a refusal by the share takes no token).
 */
async function admitNewMailbox (ctx: HandlerContext, session: MailboxSession, creator: number): Promise<void> {
  const refusal = await ctx.store.checkOwnedShare(creator)
  if (refusal != null) throw refusal
  const scope = ctx.ownedMailboxRate?.take(session.address, 1)
  if (scope == null) return
  ctx.metrics.inc('parley_relay_rate_limited_total', NEW_MAILBOX_LABELS[scope])
  throw new RateLimitedError(`New mailboxes are created too fast from this ${ADDRESS_WHAT[scope]}; try later`)
}

/** Verifies the owner's signed answer to the stream's pending challenge; the stream is then the owner's. */
export const authenticateHandler: MailboxHandler<'authenticate'> = {
  ownerRate: true,
  ownerOnly: false,
  async handle (ctx, session, auth, options) {
    const pending = session.pending
    session.pending = undefined
    try {
      const creator = session.depositor ??= ctx.store.depositorTag(session.address)
      const owner = await ctx.auth.verify(pending, auth, { ...options, creator, admitNewMailbox: async () => { await admitNewMailbox(ctx, session, creator) } })
      ctx.subscribers.remove(session)
      session.owner = owner
      ctx.metrics.inc('parley_relay_auth_total', { result: 'ok' })
      const state = await ctx.store.mailboxState(owner.mailbox, options)
      return { authenticated: { storedEnvelopes: state.envelopes, oneTimePrekeys: state.oneTimePrekeys } }
    } catch (err) {
      ctx.metrics.inc('parley_relay_auth_total', { result: 'refused' })
      if (err instanceof QuotaExceededError && err.quota != null) ctx.metrics.inc('parley_relay_quota_refusals_total', quotaRefusalLabels(err.quota))
      throw err
    }
  }
}
