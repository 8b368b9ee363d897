import { ErrorCode } from '../../errors.js'
import type { MessengerContext } from '../context.js'
import { DELIVERY_RANK, toView, updateBody } from '../conversations/message-body.js'
import type { SessionResets } from '../sessions/session-reset.js'
import type { DeliveryState } from '../types.js'
import { targetOf } from './outbox-target.js'
import type { OutboxOutcome } from './outbox-worker.js'

/**
 * Turns outbox outcomes into message delivery states (`queued → sent | stored`, or `failed`
 * while still queued; never down) and `delivery` events. A device that lost our session
 * (`ERR_SESSION_RESET` in its ack) gets a new one and the undelivered texts again.
 */
export class DeliveryStates {
  constructor (private readonly ctx: MessengerContext, private readonly resets: SessionResets) {}

  async onOutcome (outcome: OutboxOutcome): Promise<void> {
    const { store } = this.ctx.components
    const log = this.ctx.log('delivery')
    if (outcome.state === 'failed' && outcome.reason === ErrorCode.SESSION_RESET) {
      const target = targetOf(outcome.entry)
      if (target.kind === 'sealed') {
        await this.resets.forget(target.deviceKey).catch((err: unknown) => { log.error('could not reset a session - %e', err) })
      }
      const messageId = outcome.entry.messageId
      try {
        const message = messageId != null ? await store.messages.get(messageId) : undefined
        const conversation = message != null ? await store.conversations.get(message.conversationId) : undefined
        if (conversation != null) await this.resets.resendUndelivered(conversation)
      } catch (err) {
        log('could not re-send after a session reset (stopping?) - %e', err)
      }
      return
    }
    const messageId = outcome.entry.messageId
    if (messageId == null) return
    if (outcome.state === 'retry') { await this.waiting(messageId, outcome.reason); return }
    try {
      const message = await store.messages.get(messageId)
      if (message == null) return
      const state: DeliveryState = outcome.state
      const current = message.status as DeliveryState
      if (state === 'failed' ? current !== 'queued' : DELIVERY_RANK[state] <= DELIVERY_RANK[current]) return
      await store.messages.setStatus(messageId, state)
      if (state === 'sent' || state === 'stored') {
        // the first hop is remembered in the body, so delivered and read still say it ("✓✓ via relay")
        const route = state === 'sent' ? 'direct' : 'relay'
        await store.transaction(async (tx) => updateBody(tx, messageId, (b) => b.route == null ? { ...b, route } : undefined))
      }
      // a reason kept while it waited shows only while queued or failed (toView): no write to clear it
      if (outcome.state === 'failed') {
        const reason = outcome.reason
        await store.transaction(async (tx) => updateBody(tx, messageId, (b) => ({ ...b, lastError: reason })))
      }
      this.ctx.emit('delivery', { conversationId: message.conversationId, messageId, state, ...(outcome.state === 'failed' ? { reason: outcome.reason } : {}) })
    } catch (err) {
      log('could not record a delivery state (store closed while stopping?) - %e', err)
    }
  }

  /** A queued message's attempt failed and is retried: its reason is kept (`lastError`) and announced. */
  private async waiting (messageId: string, reason: string): Promise<void> {
    const { store } = this.ctx.components
    try {
      // a store transaction of its own, outside the messenger's lock (outcomes arrive while sends hold it)
      const message = await store.transaction(async (tx) =>
        updateBody(tx, messageId, (b, m) => m.status !== 'queued' || b.lastError === reason ? undefined : { ...b, lastError: reason }))
      if (message == null) return
      this.ctx.emit('delivery', { conversationId: message.conversationId, messageId, state: 'queued', reason })
      this.ctx.emit('message-updated', { message: toView(message) })
    } catch (err) {
      this.ctx.log('delivery')('could not record why a message waits (store closed while stopping?) - %e', err)
    }
  }
}
