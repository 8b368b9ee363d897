/**
 * Forwarding a file message (PROTOCOL.md §11.2): the plaintext is read from this device's copy
 * and sealed again under a new random key, as a new attachment of the target conversation. The
 * forwarded message shares no key, digest or blob with the original, so the recipients of the
 * two cannot link them, and deleting either leaves the other whole. Files of secret chats are
 * never forwarded (like their text); a file not yet downloaded here is refused.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { MessengerContext } from '../context.js'
import type { Conversations } from '../conversations/conversations.js'
import { decodeBody } from '../conversations/message-body.js'
import { NotAllowedError, NotForwardableError } from '../errors.js'
import type { ConversationId, MessageView, SendFileOptions } from '../types.js'
import type { FileSource } from './attachments.js'

/** What forwarding needs of the attachments feature. */
export interface FileForwarder {
  read: (id: ConversationId, messageId: string, options?: AbortOptions) => AsyncIterable<Uint8Array>
  sendFile: (id: ConversationId, source: FileSource, options?: SendFileOptions) => Promise<MessageView>
}

/** Forwards `messageId` of `from` to `to` if it is a file message; undefined when it is not one. */
export async function forwardFile (files: FileForwarder, ctx: MessengerContext, conversations: Conversations, messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView | undefined> {
  const message = await ctx.components.store.messages.get(messageId, options)
  if (message == null || message.conversationId !== from) return undefined
  const body = decodeBody(message.content)
  const a = body.attachment
  if (body.kind !== 'file' || a == null) return undefined
  const source = await conversations.require(from, undefined, options)
  if (source.kind === 'secret' || !body.forwardable) throw new NotForwardableError()
  if (a.state !== 'complete') throw new NotAllowedError(`Attachment is ${a.state}: download it before forwarding`)
  return await files.sendFile(to, files.read(from, messageId, options), {
    signal: options.signal,
    name: a.name,
    mime: a.mime,
    ...(body.text != null ? { caption: body.text } : {}),
    ...(a.durationMs != null ? { durationMs: a.durationMs } : {}),
    ...(a.waveform != null ? { waveform: a.waveform } : {}),
    ...(a.thumbnail != null ? { thumbnail: Uint8Array.from(atob(a.thumbnail), (c) => c.charCodeAt(0)), width: a.width, height: a.height } : {})
  })
}
