import { toHex } from '../../../bytes.js'
import { Content } from '../../../wire/content.js'
import { conversationView } from '../../conversations/conversation-view.js'
import { DELIVERY_RANK, decodeBody, toView } from '../../conversations/message-body.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { DeliveryState } from '../../types.js'
import type { ReceivedContent } from './types.js'

/**
 * DELIVERED or READ for my outgoing messages of this conversation. Recorded per sender; a
 * message's state only moves up (read beats delivered, never the other way). READ starts the
 * timer of a secret chat's disappearing message.
 */
export async function handleReceipt ({ tx, content, conversation, sender, now, fromSelf }: ReceivedContent): Promise<Effect[]> {
  if (fromSelf) return content.receipt === Content.ReceiptType.READ ? readOnOtherDevice(tx, content, conversation, now) : []
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

/** Another device of mine read these incoming messages: they are read here too (and their read-started timers run). */
async function readOnOtherDevice (tx: ReceivedContent['tx'], content: Content, conversation: ReceivedContent['conversation'], now: number): Promise<Effect[]> {
  const effects: Effect[] = []
  for (const raw of content.ids) {
    const message = await tx.messages.get(toHex(raw))
    if (message == null || message.direction !== 'in' || message.conversationId !== conversation.id || message.status !== 'received') continue
    const body = decodeBody(message.content)
    const expiresAt = body.startsOnRead === true && body.ttlMs != null ? now + body.ttlMs : message.expiresAt
    const read = { ...message, status: 'read' as const, expiresAt }
    await tx.messages.put(read)
    effects.push(emitEffect('message-updated', { message: toView(read) }))
  }
  if (effects.length === 0) return []
  await tx.conversations.markRead(conversation.id)
  const updated = await tx.conversations.get(conversation.id)
  if (updated != null) effects.push(emitEffect('conversation-updated', { conversation: await conversationView(tx, updated) }))
  return effects
}
