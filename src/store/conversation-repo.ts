import { concatBytes, fromHex, prefixEnd, readU64, toHex } from '../bytes.js'
import { InvalidQueryError, InvalidRecordError } from './errors.js'
import { CONVERSATION_ID_BYTES, PREFIX, activityKey, conversationIdBytes, conversationKey, expiryKey, messagePrefix } from './keys.js'
import { asStored, pageLimit, requireString, requireTime, type RepoContext } from './repo-context.js'
import { TAG_BYTES } from './store-cipher.js'
import type { Conversation, Page, PageOptions, StoreOptions } from './types.js'

/**
 * A new opaque random conversation id (16 random bytes as 32 hex characters).
 *
 * @example
 * ```ts
 * const id = newConversationId() // '9f3c…' (32 chars)
 * ```
 */
export function newConversationId (): string {
  return toHex(crypto.getRandomValues(new Uint8Array(CONVERSATION_ID_BYTES)))
}

function validate (c: Conversation): Conversation {
  conversationIdBytes(c.id)
  if (c.kind !== 'normal' && c.kind !== 'secret' && c.kind !== 'group') throw new InvalidRecordError('kind must be normal, secret or group')
  if (!Array.isArray(c.members)) throw new InvalidRecordError('members must be an array')
  for (const m of c.members) requireString('member', m)
  requireTime('lastActivity', c.lastActivity)
  requireTime('unreadCount', c.unreadCount)
  if (c.disappearingTimerMs !== null) requireTime('disappearingTimerMs', c.disappearingTimerMs)
  requireTime('clock', c.clock)
  requireTime('createdAt', c.createdAt)
  return c
}

/**
 * Conversations by opaque id, with an activity index for "most recent first" listings.
 *
 * @example
 * ```ts
 * const id = newConversationId()
 * await store.conversations.put({ id, kind: 'normal', members: [accountId], lastActivity: Date.now(),
 *   unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: Date.now() })
 * const { items } = await store.conversations.byActivity({ limit: 20 })
 * ```
 */
export class ConversationRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  async get (id: string, options: StoreOptions = {}): Promise<Conversation | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(conversationKey(id)) as Conversation | undefined
  }

  async put (conversation: Conversation, options: StoreOptions = {}): Promise<void> {
    const c = validate(conversation)
    const key = conversationKey(c.id)
    await this.ctx.write(async (s) => {
      const old = await s.read(key) as Conversation | undefined
      if (old !== undefined && old.lastActivity !== c.lastActivity) s.del(activityKey(old.lastActivity, c.id))
      s.put(key, asStored({ ...c }))
      s.put(activityKey(c.lastActivity, c.id), {})
    }, options.signal)
  }

  /**
   * Records activity: moves `lastActivity` forward, raises `clock` to at least `clock`, and adds
   * one unread message when `unread` is true. Returns the updated record (undefined if unknown).
   */
  async recordActivity (id: string, at: number, options: StoreOptions & { unread?: boolean, clock?: number } = {}): Promise<Conversation | undefined> {
    requireTime('at', at)
    return await this.ctx.write(async (s) => {
      const key = conversationKey(id)
      const old = await s.read(key) as Conversation | undefined
      if (old === undefined) return undefined
      const next: Conversation = {
        ...old,
        lastActivity: Math.max(old.lastActivity, at),
        clock: Math.max(old.clock, options.clock ?? 0),
        unreadCount: old.unreadCount + (options.unread === true ? 1 : 0)
      }
      if (next.lastActivity !== old.lastActivity) s.del(activityKey(old.lastActivity, id))
      s.put(key, asStored(next))
      s.put(activityKey(next.lastActivity, id), {})
      return next
    }, options.signal)
  }

  /** Sets the unread count to zero. */
  async markRead (id: string, options: StoreOptions = {}): Promise<void> {
    await this.ctx.write(async (s) => {
      const key = conversationKey(id)
      const old = await s.read(key) as Conversation | undefined
      if (old !== undefined) s.put(key, asStored({ ...old, unreadCount: 0 }))
    }, options.signal)
  }

  /** Deletes a conversation with all its messages, their indexes and receipts (one batch). */
  async delete (id: string, options: StoreOptions = {}): Promise<void> {
    const key = conversationKey(id)
    await this.ctx.write(async (s) => {
      const old = await s.read(key) as Conversation | undefined
      if (old !== undefined) s.del(activityKey(old.lastActivity, id))
      s.del(key)
      const prefix = messagePrefix(id)
      for await (const row of this.ctx.skv.rows({ gte: prefix, lt: prefixEnd(prefix) }, options.signal)) {
        const idTag = row.key.subarray(row.key.length - TAG_BYTES)
        s.del(row.key)
        s.del(concatBytes(PREFIX.messageId, idTag))
        s.del(concatBytes(PREFIX.receipt, idTag))
        const x = (row.value as { expiresAt?: number | null } | undefined)?.expiresAt
        if (typeof x === 'number') s.del(expiryKey(x, idTag))
      }
    }, options.signal)
  }

  /** Conversations, most recent activity first, a page at a time (with unread counts). */
  async byActivity (options: PageOptions = {}): Promise<Page<Conversation>> {
    const limit = pageLimit(options.limit)
    let lt = prefixEnd(PREFIX.activity)
    if (options.cursor !== undefined) {
      if (!/^[0-9a-f]{48}$/.test(options.cursor)) throw new InvalidQueryError('bad cursor')
      lt = concatBytes(PREFIX.activity, fromHex(options.cursor))
    }
    this.ctx.skv.check()
    const keys: Uint8Array[] = []
    for await (const k of this.ctx.skv.kv.keys({ gte: PREFIX.activity, lt, reverse: true, limit })) {
      options.signal?.throwIfAborted()
      keys.push(k)
    }
    const convKeys = keys.map((k) => concatBytes(PREFIX.conversation, k.subarray(PREFIX.activity.length + 8)))
    const values = await this.ctx.skv.getMany(convKeys)
    const items: Conversation[] = []
    let damaged = 0
    values.forEach((v, i) => {
      if (v instanceof Error) { damaged++; return }
      const c = v as Conversation | undefined
      // the index is only a hint: the authenticated record must agree with it
      if (c !== undefined && c.lastActivity === readU64(keys[i], PREFIX.activity.length)) items.push(c)
    })
    const last = keys.at(-1)
    const cursor = keys.length === limit && last !== undefined ? toHex(last.subarray(PREFIX.activity.length)) : undefined
    return { items, damaged, ...(cursor !== undefined ? { cursor } : {}) }
  }
}
