import { Content } from '../../wire/content.js'
import { MAX_IDS_PER_CONTENT, RECEIPT_BATCH_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { Conversations } from '../conversations/conversations.js'
import type { Dispatcher } from './dispatcher.js'

/**
 * DELIVERED receipts, batched per conversation for 50 ms (one RECEIPT for a burst of messages,
 * e.g. a drained mailbox) — at most 500 ids each.
 */
export class DeliveredReceipts {
  private readonly pending = new Map<string, Uint8Array[]>()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly dispatcher: Dispatcher
  ) {}

  queue (conversationId: string, messageId: Uint8Array): void {
    let ids = this.pending.get(conversationId)
    if (ids == null) {
      ids = []
      this.pending.set(conversationId, ids)
      const timer = setTimeout(() => { void this.flush(conversationId) }, RECEIPT_BATCH_MS)
      ;(timer as { unref?: () => void }).unref?.()
    }
    ids.push(messageId)
    if (ids.length >= MAX_IDS_PER_CONTENT) void this.flush(conversationId)
  }

  private async flush (conversationId: string): Promise<void> {
    const ids = this.pending.get(conversationId)
    this.pending.delete(conversationId)
    if (ids == null || ids.length === 0 || !this.ctx.running) return
    try {
      const conversation = await this.conversations.require(conversationId)
      await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.RECEIPT, this.ctx.now(), { receipt: Content.ReceiptType.DELIVERED, ids }), { includeOwn: false })
    } catch (err) {
      this.ctx.log('receipts').trace('delivered receipt not sent (conversation gone or stopping) - %e', err)
    }
  }
}
