import { toHex } from '../../../bytes.js'
import type { Message } from '../../../store/index.js'
import { Content } from '../../../wire/content.js'
import { MAX_TEXT_LENGTH } from '../../constants.js'
import { emitEffect, type Effect } from '../../effects.js'
import { encodeBody, toView, type MessageBody } from '../../conversations/message-body.js'
import type { ReceivedContent } from './types.js'

/**
 * A new message (a text, or a kind this version cannot show: stored as `unsupported`). Kept once
 * per id; a disappearing message that already expired is not stored. An incoming text gets a
 * DELIVERED receipt.
 */
export async function handleMessage ({ tx, content, conversation, sender, fromSelf, now }: ReceivedContent): Promise<Effect[]> {
  const id = toHex(content.messageId)
  if (content.messageId.length !== 16 || (await tx.messages.get(id)) != null) return []
  const secret = conversation.kind === 'secret'
  const sentAt = Number(content.sentAt)
  const clock = Number(content.clock)
  const ttl = Number(content.ttlMs)
  const isText = content.kind === Content.Kind.TEXT
  // from the sender's clock, but never later than its timer from now: a sender whose clock runs
  // ahead must not make a disappearing message outlive its timer here (tests/faults/clock-skew.test.ts)
  const expiresAt = ttl > 0 && !secret ? Math.min(sentAt, now) + ttl : null
  if (expiresAt != null && expiresAt <= now) return []
  const body: MessageBody = isText
    ? { kind: 'text', text: content.text.slice(0, MAX_TEXT_LENGTH), reactions: {}, forwardable: !secret, ...(content.targetId.length === 16 ? { replyTo: toHex(content.targetId) } : {}), ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {}) }
    : { kind: 'unsupported', reactions: {}, forwardable: false }
  const message: Message = {
    id, conversationId: conversation.id, clock, senderTimestamp: sentAt, direction: fromSelf ? 'out' : 'in', sender, content: encodeBody(body), status: fromSelf ? 'sent' : 'received', expiresAt
  }
  await tx.messages.put(message)
  await tx.conversations.recordActivity(conversation.id, Math.max(sentAt, conversation.lastActivity), { unread: !fromSelf, clock })
  const effects: Effect[] = [emitEffect('message', { message: toView(message) })]
  if (!fromSelf && isText) effects.push({ kind: 'delivered-receipt', conversationId: conversation.id, messageId: content.messageId })
  return effects
}
