import { toView } from '../../conversations/message-body.js'
import { noticeMessage } from '../../conversations/notices.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** The peer took a screenshot: a notice in the conversation ("Bob took a screenshot"), and an event. */
export async function handleScreenshot ({ tx, content, conversation, sender, fromSelf }: ReceivedContent): Promise<Effect[]> {
  const at = Number(content.sentAt)
  const clock = Number(content.clock)
  const message = noticeMessage({ conversationId: conversation.id, clock, at, direction: fromSelf ? 'out' : 'in', sender, notice: { type: 'screenshot' } })
  await tx.messages.put(message)
  await tx.conversations.recordActivity(conversation.id, at, { clock })
  return [
    emitEffect('message', { message: toView(message) }),
    emitEffect('screenshot', { conversationId: conversation.id, from: sender })
  ]
}
