import { randomBytes } from '@noble/hashes/utils.js'
import { toHex } from '../../../bytes.js'
import type { Message } from '../../../store/index.js'
import { encodeBody, toView } from '../../conversations/message-body.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** The peer took a screenshot: a notice in the conversation, and an event. */
export async function handleScreenshot ({ tx, content, conversation, sender, fromSelf }: ReceivedContent): Promise<Effect[]> {
  const at = Number(content.sentAt)
  const clock = Number(content.clock)
  const message: Message = {
    id: toHex(randomBytes(16)), conversationId: conversation.id, clock, senderTimestamp: at, direction: fromSelf ? 'out' : 'in', sender,
    content: encodeBody({ kind: 'notice', text: 'took a screenshot', reactions: {}, forwardable: false }), status: 'received', expiresAt: null
  }
  await tx.messages.put(message)
  await tx.conversations.recordActivity(conversation.id, at, { clock })
  return [
    emitEffect('message', { message: toView(message) }),
    emitEffect('screenshot', { conversationId: conversation.id, from: sender })
  ]
}
