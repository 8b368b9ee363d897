import { toHex } from '../../../bytes.js'
import { Content } from '../../../wire/content.js'
import { DELIVERY_RANK, decodeBody } from '../../conversations/message-body.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { DeliveryState } from '../../types.js'
import type { ReceivedContent } from './types.js'

/**
 * DELIVERED or READ for my outgoing messages of this conversation. Recorded per sender; a
 * message's state only moves up (read beats delivered, never the other way). READ starts the
 * timer of a secret chat's disappearing message.
 */
export async function handleReceipt ({ tx, content, conversation, sender, now }: ReceivedContent): Promise<Effect[]> {
  const state: DeliveryState = content.receipt === Content.ReceiptType.READ ? 'read' : 'delivered'
  const effects: Effect[] = []
  for (const raw of content.ids) {
    const id = toHex(raw)
    const message = await tx.messages.get(id)
    if (message == null || message.direction !== 'out' || message.conversationId !== conversation.id) continue
    await tx.receipts.set(id, sender, state, now)
    const current = message.status as DeliveryState
    if (DELIVERY_RANK[state] <= DELIVERY_RANK[current]) continue
    const body = decodeBody(message.content)
    const expiresAt = state === 'read' && body.startsOnRead === true && body.ttlMs != null && message.expiresAt == null ? now + body.ttlMs : message.expiresAt
    await tx.messages.put({ ...message, status: state, expiresAt })
    effects.push(emitEffect('delivery', { conversationId: conversation.id, messageId: id, state }))
  }
  return effects
}
