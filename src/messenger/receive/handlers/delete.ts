import { toHex } from '../../../bytes.js'
import { allMessageIds } from '../../conversations/normal-conversation.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/**
 * A delete for both sides: either participant may delete any message of the conversation
 * (PROTOCOL.md §6), or all of them (`flag`: clear) — but only of the conversation the sender
 * belongs to; ids of other conversations are ignored.
 */
export async function handleDelete ({ tx, content, conversation }: ReceivedContent): Promise<Effect[]> {
  const ids = content.flag ? await allMessageIds(tx, conversation.id) : content.ids.map(toHex)
  const deleted: string[] = []
  for (const id of ids) {
    const message = await tx.messages.get(id)
    if (message == null || message.conversationId !== conversation.id) continue
    await tx.messages.delete(id)
    deleted.push(id)
  }
  return deleted.length > 0 ? [emitEffect('messages-deleted', { conversationId: conversation.id, ids: deleted, everywhere: true })] : []
}
