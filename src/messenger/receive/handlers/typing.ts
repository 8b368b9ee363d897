import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** A typing notice: an event, nothing stored. */
export async function handleTyping ({ content, conversation, sender }: ReceivedContent): Promise<Effect[]> {
  return [emitEffect('typing', { conversationId: conversation.id, from: sender, typing: content.flag })]
}
