import { conversationView } from '../../conversations/conversation-view.js'
import { toView } from '../../conversations/message-body.js'
import { noticeMessage } from '../../conversations/notices.js'
import { clampTtl } from '../../conversations/timers.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/**
 * The peer (or another device of this account) set the disappearing timer: clamped to 1 second
 * … 4 weeks (0: off). A change is stored as a notice line ("Bob set disappearing messages to 1 hour").
 */
export async function handleTimer ({ tx, content, conversation, sender, fromSelf }: ReceivedContent): Promise<Effect[]> {
  const ttlMs = clampTtl(Number(content.ttlMs))
  const updated = { ...conversation, disappearingTimerMs: ttlMs }
  await tx.conversations.put(updated)
  const effects: Effect[] = [emitEffect('conversation-updated', { conversation: await conversationView(tx, updated) })]
  if ((conversation.disappearingTimerMs ?? null) !== ttlMs) {
    const at = Number(content.sentAt)
    const clock = Number(content.clock)
    const notice = noticeMessage({ conversationId: conversation.id, clock, at, direction: fromSelf ? 'out' : 'in', sender, notice: { type: 'timer', ttlMs } })
    await tx.messages.put(notice)
    await tx.conversations.recordActivity(conversation.id, at, { clock })
    effects.push(emitEffect('message', { message: toView(notice) }))
  }
  return effects
}
