import { Content } from '../../../wire/content.js'
import { conversationView } from '../../conversations/conversation-view.js'
import { toView } from '../../conversations/message-body.js'
import { noticeMessage } from '../../conversations/notices.js'
import { emitEffect, type Effect } from '../../effects.js'
import type { ReceivedContent } from './types.js'

/**
 * ACCEPT of a pending secret chat makes it active; CLOSE wipes it. (START, which creates the
 * chat, is handled where the conversation is found: see `route.ts`.)
 */
export async function handleSecretControl ({ tx, content, conversation, sender }: ReceivedContent): Promise<Effect[]> {
  if (conversation.kind !== 'secret') return []
  const info = await tx.secretChats.get(conversation.id)
  if (info == null) return []
  if (content.secretAction === Content.SecretAction.ACCEPT && info.state === 'pending') {
    await tx.secretChats.put(conversation.id, { ...info, state: 'active' })
    // "Bob accepted the secret chat": a line kept with the chat
    const at = Number(content.sentAt)
    const clock = Number(content.clock)
    const notice = noticeMessage({ conversationId: conversation.id, clock, at, direction: 'in', sender, notice: { type: 'secret-accepted' } })
    await tx.messages.put(notice)
    const updated = await tx.conversations.recordActivity(conversation.id, at, { clock })
    return [
      emitEffect('conversation-updated', { conversation: await conversationView(tx, updated ?? conversation) }),
      emitEffect('message', { message: toView(notice) })
    ]
  }
  if (content.secretAction === Content.SecretAction.CLOSE) return [{ kind: 'wipe-secret-chat', conversation }]
  return []
}
