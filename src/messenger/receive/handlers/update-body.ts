import type { Message, StoreTransaction } from '../../../store/index.js'
import { decodeBody, encodeBody, type MessageBody } from '../../conversations/message-body.js'

/** Rewrites a message's body through `tx` when `change` returns one; the updated message, or undefined. */
export async function updateBody (tx: StoreTransaction, messageId: string, change: (body: MessageBody, message: Message) => MessageBody | undefined): Promise<Message | undefined> {
  const message = await tx.messages.get(messageId)
  if (message == null) return undefined
  const body = change(decodeBody(message.content), message)
  if (body == null) return undefined
  const updated = { ...message, content: encodeBody(body) }
  await tx.messages.put(updated)
  return updated
}
