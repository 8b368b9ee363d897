import { Content } from '../../../wire/content.js'
import { conversationView } from '../../conversations/conversation-view.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/**
 * ACCEPT of a pending secret chat makes it active; CLOSE wipes it. (START, which creates the
 * chat, is handled where the conversation is found: see `route.ts`.)
 */
export async function handleSecretControl ({ tx, content, conversation }: ReceivedContent): Promise<Effect[]> {
  if (conversation.kind !== 'secret') return []
  const info = await tx.secretChats.get(conversation.id)
  if (info == null) return []
  if (content.secretAction === Content.SecretAction.ACCEPT && info.state === 'pending') {
    await tx.secretChats.put(conversation.id, { ...info, state: 'active' })
    return [emitEffect('conversation-updated', { conversation: await conversationView(tx, conversation) })]
  }
  if (content.secretAction === Content.SecretAction.CLOSE) return [{ kind: 'wipe-secret-chat', conversation }]
  return []
}
