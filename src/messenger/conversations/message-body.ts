import type { Message, StoreTransaction } from '../../store/index.js'
import { attachmentView, type StoredAttachment } from '../attachments/body.js'
import type { DeliveryState, MessageKind, MessageView, NoticeInfo } from '../types.js'

/** What the store keeps of a message (inside its encrypted `content` bytes). */
export interface MessageBody {
  kind: MessageKind
  text?: string
  /** Kind `notice`: what it records. */
  notice?: NoticeInfo
  replyTo?: string
  editHistory?: string[]
  reactions: Record<string, string[]>
  forwardable: boolean
  /** Lifetime chosen by the sender (ms), if any. */
  ttlMs?: number
  /** Secret chats: the timer starts when first read. */
  startsOnRead?: boolean
  /** Kind `file`: the attachment (key and digests included). */
  attachment?: StoredAttachment
  /** Outgoing and not yet sent or stored: why the last attempt failed (an error code). */
  lastError?: string
  /** Outgoing: how it first left this device (`direct` to a device, or `relay`: stored at a relay). */
  route?: 'direct' | 'relay'
}

const te = new TextEncoder()
const td = new TextDecoder()

export function encodeBody (body: MessageBody): Uint8Array {
  return te.encode(JSON.stringify(body))
}

function unsupportedBody (): MessageBody {
  return { kind: 'unsupported', reactions: {}, forwardable: false }
}

export function decodeBody (bytes: Uint8Array): MessageBody {
  try {
    const body = JSON.parse(td.decode(bytes)) as MessageBody | null
    // anything but an object with a kind (a torn or foreign value) shows as unsupported
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof body.kind !== 'string') return unsupportedBody()
    const reactions = body.reactions != null && typeof body.reactions === 'object' && !Array.isArray(body.reactions) ? body.reactions : {}
    return { ...body, reactions }
  } catch {
    return unsupportedBody()
  }
}

/** Rank of delivery states: a state only ever moves up. */
export const DELIVERY_RANK: Record<DeliveryState | 'received', number> = {
  failed: 0, queued: 1, sent: 2, stored: 2, delivered: 3, read: 4, received: 5
}

export function toView (message: Message): MessageView {
  const body = decodeBody(message.content)
  return {
    id: message.id,
    conversationId: message.conversationId,
    direction: message.direction,
    sender: message.sender,
    sentAt: message.senderTimestamp,
    clock: message.clock,
    kind: body.kind,
    ...(body.text != null ? { text: body.text } : {}),
    ...(body.kind === 'notice' && body.notice != null ? { notice: body.notice } : {}),
    ...(body.replyTo != null ? { replyTo: body.replyTo } : {}),
    ...(body.editHistory != null && body.editHistory.length > 0 ? { editHistory: body.editHistory } : {}),
    reactions: body.reactions,
    status: message.status === 'received' ? 'received' : message.status,
    expiresAt: message.expiresAt,
    forwardable: body.forwardable,
    ...(body.attachment != null ? { attachment: attachmentView(body.attachment) } : {}),
    ...(body.lastError != null && (message.status === 'queued' || message.status === 'failed') ? { lastError: body.lastError } : {}),
    ...(body.route != null && message.direction === 'out' ? { route: body.route } : {})
  }
}

/** The body after an edit: the old text joins the history (the last 50 kept). */
export function editBody (body: MessageBody, text: string): MessageBody {
  if (body.kind !== 'text') return body
  return { ...body, editHistory: [...(body.editHistory ?? []), body.text ?? ''].slice(-50), text }
}

/** Toggles `who`'s reaction `emoji` (one reaction per person). */
export function reactBody (body: MessageBody, emoji: string, who: string): MessageBody {
  const reactions: Record<string, string[]> = {}
  for (const [e, people] of Object.entries(body.reactions)) {
    const rest = people.filter((p) => p !== who)
    if (rest.length > 0) reactions[e] = rest
  }
  const had = body.reactions[emoji]?.includes(who) === true
  if (!had) reactions[emoji] = [...(reactions[emoji] ?? []), who]
  return { ...body, reactions }
}

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
