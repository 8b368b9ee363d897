import { toHex } from '../../../bytes.js'
import { validateAnnouncement } from '../../../crypto/attachment/announcement.js'
import { ErrorCode, ParleyError } from '../../../errors.js'
import type { Message } from '../../../store/index.js'
import { MAX_TEXT_LENGTH } from '../../constants.js'
import { storedOf } from '../../attachments/attachments.js'
import { emitEffect, type Effect } from '../../effects.js'
import { encodeBody, toView, type MessageBody } from '../../conversations/message-body.js'
import type { ReceivedContent } from './types.js'

/**
 * An attachment's announcement (PROTOCOL.md §11): checked (sizes, lengths, name), stored as a
 * `file` message in state `pending` with the sending device to fetch from; the download runs
 * after the commit (automatically below the configured size). An announcement that fails its
 * checks is refused as a malformed message (dropped, never shown).
 */
export async function handleAttachment ({ tx, content, conversation, sender, senderDevice, fromSelf, now }: ReceivedContent): Promise<Effect[]> {
  const id = toHex(content.messageId)
  if (content.messageId.length !== 16 || (await tx.messages.get(id)) != null) return []
  const announcement = content.attachment
  if (announcement == null) throw new ParleyError('Attachment message without its announcement', ErrorCode.MALFORMED_MESSAGE)
  try {
    validateAnnouncement(announcement)
  } catch (err) {
    throw new ParleyError(`Refused attachment announcement: ${(err as Error).message}`, ErrorCode.MALFORMED_MESSAGE, { cause: err })
  }
  const secret = conversation.kind === 'secret'
  const sentAt = Number(content.sentAt)
  const clock = Number(content.clock)
  const ttl = Number(content.ttlMs)
  const expiresAt = ttl > 0 && !secret ? sentAt + ttl : null
  if (expiresAt != null && expiresAt <= now) return []
  const caption = content.text.slice(0, MAX_TEXT_LENGTH)
  const body: MessageBody = {
    kind: 'file',
    reactions: {},
    forwardable: !secret,
    attachment: { ...storedOf(announcement), state: 'pending', sourceDevice: toHex(senderDevice) },
    ...(caption !== '' ? { text: caption } : {}),
    ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {})
  }
  const message: Message = {
    id, conversationId: conversation.id, clock, senderTimestamp: sentAt, direction: fromSelf ? 'out' : 'in', sender, content: encodeBody(body), status: fromSelf ? 'sent' : 'received', expiresAt
  }
  await tx.messages.put(message)
  await tx.conversations.recordActivity(conversation.id, Math.max(sentAt, conversation.lastActivity), { unread: !fromSelf, clock })
  const effects: Effect[] = [emitEffect('message', { message: toView(message) })]
  if (!fromSelf) effects.push({ kind: 'delivered-receipt', conversationId: conversation.id, messageId: content.messageId })
  return effects
}
