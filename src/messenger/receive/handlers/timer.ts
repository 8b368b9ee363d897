import { conversationView } from '../../conversations/conversation-view.js'
import { clampTtl } from '../../conversations/timers.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** The peer set the disappearing timer: clamped to 1 second … 4 weeks (0: off). */
export async function handleTimer ({ tx, content, conversation }: ReceivedContent): Promise<Effect[]> {
  const updated = { ...conversation, disappearingTimerMs: clampTtl(Number(content.ttlMs)) }
  await tx.conversations.put(updated)
  return [emitEffect('conversation-updated', { conversation: await conversationView(tx, updated) })]
}
