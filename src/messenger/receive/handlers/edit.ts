import { toHex } from '../../../bytes.js'
import { MAX_TEXT_LENGTH } from '../../constants.js'
import { editBody, toView, updateBody } from '../../conversations/message-body.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/** An edit: only the author's own message, and only in this conversation; anything else is ignored. */
export async function handleEdit ({ tx, content, conversation, sender }: ReceivedContent): Promise<Effect[]> {
  const updated = await updateBody(tx, toHex(content.targetId), (b, m) =>
    (m.sender === sender && m.conversationId === conversation.id ? editBody(b, content.text.slice(0, MAX_TEXT_LENGTH)) : undefined))
  return updated != null ? [emitEffect('message-updated', { message: toView(updated) })] : []
}
