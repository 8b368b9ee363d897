import { toHex } from '../../../bytes.js'
import { MAX_EMOJI_LENGTH } from '../../constants.js'
import { reactBody, toView, updateBody } from '../../conversations/message-body.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** A reaction (toggled per sender) to a message of this conversation. */
export async function handleReaction ({ tx, content, conversation, sender }: ReceivedContent): Promise<Effect[]> {
  const updated = await updateBody(tx, toHex(content.targetId), (b, m) =>
    (m.conversationId === conversation.id ? reactBody(b, content.emoji.slice(0, MAX_EMOJI_LENGTH), sender) : undefined))
  return updated != null ? [emitEffect('message-updated', { message: toView(updated) })] : []
}
