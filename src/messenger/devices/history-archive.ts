import type { AbortOptions } from '@libp2p/interface'
import { ErrorCode, ParleyError } from '../../errors.js'
import { InvalidArgumentError } from '../errors.js'
import type { Contact, Conversation, Message, MessageStatus, Store, VerificationState } from '../../store/index.js'
import { decodeBody, encodeBody } from '../conversations/message-body.js'
import { HistoryFrame, type HistoryContact, type HistoryConversation, type HistoryMessage } from '../../wire/history.js'

/** Encoded bytes one history frame aims at (frames stay well under the link's 64 KiB frame limit). */
export const HISTORY_FRAME_BYTES = 32 * 1024
/** Largest message body carried (a bigger one would not fit a frame; it is left out). */
export const MAX_HISTORY_MESSAGE_BYTES = 24 * 1024
/** Limits when decoding a frame (hostile or broken input fails typed, never allocates more). */
const DECODE_LIMITS = { contacts: 500, conversations: 500, messages: 1000 }

/** Which history goes to a new device: none, everything, or the last `days` days. */
export type HistoryScope = { kind: 'none' } | { kind: 'all' } | { kind: 'days', days: number }

/** `none`, `all` or `<n>d` (e.g. `30d`). */
export function parseHistoryScope (text: string): HistoryScope {
  const t = text.trim().toLowerCase()
  if (t === 'none') return { kind: 'none' }
  if (t === 'all') return { kind: 'all' }
  const m = /^(\d{1,5})d$/.exec(t)
  if (m == null || Number(m[1]) === 0) throw new InvalidArgumentError(`History must be none, all or <days>d (e.g. 30d), not ${text}`)
  return { kind: 'days', days: Number(m[1]) }
}

const PAGE = 500

async function * allPages<T> (page: (cursor: string | undefined) => Promise<{ items: T[], cursor?: string }>): AsyncGenerator<T> {
  let cursor: string | undefined
  do {
    const next = await page(cursor)
    yield * next.items
    cursor = next.cursor
  } while (cursor != null)
}

/** Where a broken-off transfer resumes: after this message of this conversation (the last one the new device stored). */
export interface HistoryCursor { conversationId: string, messageId: string }

/** The resume point a stored frame gives: its last message, if it had any. */
export function frameCursor (plain: Uint8Array): HistoryCursor | undefined {
  return frameSummary(plain).cursor
}

/** What one archive frame holds: its messages, the archive's total (first frame; else 0), its resume point. */
export function frameSummary (plain: Uint8Array): { messages: number, total: number, cursor?: HistoryCursor } {
  const frame = HistoryFrame.decode(plain, { limits: DECODE_LIMITS })
  const last = frame.messages.at(-1)
  return { messages: frame.messages.length, total: frame.totalMessages, cursor: last == null ? undefined : { conversationId: last.conversationId, messageId: last.id } }
}

/**
 * The archive of this device's contacts (with verification), normal conversations (timers
 * included) and their messages since `since` (ms; 0: all), as encoded frames: contacts and
 * conversations first, then messages oldest first per conversation, the last frame `done`.
 * Secret chats and their messages are never in it. Conversations go in the order of their ids,
 * so that `after` (the last message a new device stored of an earlier transfer) leaves out
 * what it holds: the conversations before the cursor's and that one's messages up to the cursor.
 */
export async function * historyFrames (store: Store, since: number, options: AbortOptions = {}, after?: HistoryCursor): AsyncGenerator<Uint8Array> {
  const contacts: HistoryContact[] = []
  for await (const c of allPages(async (cursor) => store.contacts.list({ ...options, limit: PAGE, cursor }))) {
    contacts.push({ address: c.accountId, name: c.name, verification: c.verification, blocked: c.blocked, addedAt: BigInt(c.addedAt), identityKey: c.identityKey })
  }
  const conversations: Conversation[] = []
  for await (const c of allPages(async (cursor) => store.conversations.byActivity({ ...options, limit: PAGE, cursor }))) {
    if (c.kind === 'normal' && c.members.length === 1) conversations.push(c)
  }
  conversations.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  // messages per conversation, newest first from the store: collected, then sent oldest first
  const perConversation: Message[][] = []
  let total = 0
  for (const c of conversations) {
    if (after != null && c.id < after.conversationId) continue
    let kept: Message[] = []
    for await (const m of allPages(async (cursor) => store.messages.latest(c.id, { ...options, limit: PAGE, cursor }))) {
      if (m.senderTimestamp < since) break
      if (m.content.length <= MAX_HISTORY_MESSAGE_BYTES) kept.push(m)
    }
    kept.reverse()
    if (after != null && c.id === after.conversationId) {
      const at = kept.findIndex((m) => m.id === after.messageId)
      if (at >= 0) kept = kept.slice(at + 1)
    }
    perConversation.push(kept)
    total += kept.length
  }
  let frame: HistoryFrame = {
    contacts: contacts.slice(0, DECODE_LIMITS.contacts),
    conversations: conversations.slice(0, DECODE_LIMITS.conversations).map(conversationOut),
    messages: [],
    totalMessages: total,
    done: false
  }
  let bytes = 0
  for (const messages of perConversation) {
    for (const m of messages) {
      options.signal?.throwIfAborted()
      const out = messageOut(m)
      bytes += m.content.length + 128
      frame.messages.push(out)
      if (bytes >= HISTORY_FRAME_BYTES || frame.messages.length >= DECODE_LIMITS.messages) {
        yield HistoryFrame.encode(frame)
        frame = { contacts: [], conversations: [], messages: [], totalMessages: 0, done: false }
        bytes = 0
      }
    }
  }
  yield HistoryFrame.encode({ ...frame, done: true })
}

function conversationOut (c: Conversation): HistoryConversation {
  return { id: c.id, peer: c.members[0], lastActivity: BigInt(c.lastActivity), unreadCount: c.unreadCount, timerMs: BigInt(c.disappearingTimerMs ?? 0), clock: BigInt(c.clock), createdAt: BigInt(c.createdAt) }
}

function messageOut (m: Message): HistoryMessage {
  return {
    id: m.id, conversationId: m.conversationId, clock: BigInt(m.clock), sentAt: BigInt(m.senderTimestamp), outgoing: m.direction === 'out',
    sender: m.sender, content: m.content, status: m.status, expiresAt: BigInt(m.expiresAt ?? 0)
  }
}

const VERIFICATIONS = new Set<VerificationState>(['unverified', 'verified', 'changed'])
const STATUSES = new Set<MessageStatus>(['queued', 'sent', 'stored', 'delivered', 'read', 'failed', 'received'])

/**
 * Attachments travel as references: the new device holds no file of them yet, so a file the
 * sending device had complete is `pending` here, fetched on demand (from the device that sent
 * it, or its account's relays, as `sourceDevice` says). Other bodies pass unchanged.
 */
function asReference (content: Uint8Array): Uint8Array {
  const body = decodeBody(content)
  if (body.attachment == null || body.attachment.state === 'pending') return content
  return encodeBody({ ...body, attachment: { ...body.attachment, state: 'pending', error: undefined } })
}

/** What one applied frame said: how many messages it held, whether it was the last, the archive's total (first frame). */
export interface AppliedFrame { messages: number, done: boolean, total: number }

/**
 * Stores one decrypted history frame in one transaction. What the store already holds is kept
 * (a message id, a contact, a conversation that exists are not overwritten), so a frame applied
 * twice changes nothing; entries the store's validation refuses fail the frame with its typed error.
 */
export async function applyHistoryFrame (store: Store, bytes: Uint8Array, options: AbortOptions = {}): Promise<AppliedFrame> {
  let frame: HistoryFrame
  try {
    frame = HistoryFrame.decode(bytes, { limits: DECODE_LIMITS })
  } catch (err) {
    throw new ParleyError(`Malformed history frame: ${(err as Error).message}`, ErrorCode.MALFORMED_MESSAGE)
  }
  await store.transaction(async (tx) => {
    for (const c of frame.contacts) {
      if ((await tx.contacts.get(c.address)) != null) continue
      const contact: Contact = {
        accountId: c.address, name: c.name, identityKey: c.identityKey, keyHistory: [], blocked: c.blocked, addedAt: Number(c.addedAt),
        verification: VERIFICATIONS.has(c.verification as VerificationState) ? c.verification as VerificationState : 'unverified'
      }
      await tx.contacts.put(contact)
    }
    for (const c of frame.conversations) {
      if ((await tx.conversations.get(c.id)) != null || (await tx.peerConversations.get(c.peer)) != null) continue
      await tx.conversations.put({
        id: c.id, kind: 'normal', members: [c.peer], lastActivity: Number(c.lastActivity), unreadCount: c.unreadCount,
        disappearingTimerMs: c.timerMs > 0n ? Number(c.timerMs) : null, clock: Number(c.clock), createdAt: Number(c.createdAt)
      })
      await tx.peerConversations.put(c.peer, c.id)
    }
    const fresh: Message[] = []
    for (const m of frame.messages) {
      if ((await tx.messages.get(m.id)) != null) continue
      const conversation = await tx.conversations.get(m.conversationId)
      if (conversation == null || conversation.kind !== 'normal') continue
      fresh.push({
        id: m.id, conversationId: m.conversationId, clock: Number(m.clock), senderTimestamp: Number(m.sentAt), direction: m.outgoing ? 'out' : 'in',
        sender: m.sender, content: asReference(m.content), status: STATUSES.has(m.status as MessageStatus) ? m.status as MessageStatus : 'received',
        expiresAt: m.expiresAt > 0n ? Number(m.expiresAt) : null
      })
    }
    await tx.messages.putMany(fresh)
  }, options)
  return { messages: frame.messages.length, done: frame.done, total: frame.totalMessages }
}
