import { ErrorCode } from '../../errors.js'
import type { MessengerContext } from '../context.js'
import { DELIVERY_RANK, decodeBody, encodeBody, toView, updateBody, type MessageBody } from '../conversations/message-body.js'
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
      const state: DeliveryState = outcome.state
      const reason = outcome.state === 'failed' ? outcome.reason : undefined
      // the state, the first hop and a failure's reason in one write (one transaction: the check
      // and the change see the same message, whatever other outcomes and receipts do meanwhile)
      const message = await store.transaction(async (tx) => {
        const m = await tx.messages.get(messageId)
        if (m == null) return undefined
        const current = m.status as DeliveryState
        if (state === 'failed' ? current !== 'queued' : DELIVERY_RANK[state] <= DELIVERY_RANK[current]) return undefined
        const body = decodeBody(m.content)
        // the first hop is remembered in the body, so delivered and read still say it ("✓✓ via relay")
        const route: MessageBody['route'] = state === 'sent' ? 'direct' : state === 'stored' ? 'relay' : undefined
        // a reason kept while it waited shows only while queued or failed (toView): no write to clear it
        const changed = reason !== undefined ? { ...body, lastError: reason } : route !== undefined && body.route == null ? { ...body, route } : undefined
        await tx.messages.put({ ...m, status: state, ...(changed !== undefined ? { content: encodeBody(changed) } : {}) })
        return m
      })
      if (message == null) return
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
