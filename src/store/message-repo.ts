import { concatBytes, equalBytes, fromHex, prefixEnd, toHex } from '../bytes.js'
import { IntegrityError, InvalidQueryError, InvalidRecordError } from './errors.js'
import { DOMAIN, PREFIX, conversationIdBytes, expiryKey, messageKey, messagePrefix } from './keys.js'
import { asStored, pageLimit, requireBytes, requireString, requireTime, type RepoContext } from './repo-context.js'
import type { StoreCipher } from './store-cipher.js'
import type { Message, MessageStatus, Page, PageOptions, StoreOptions } from './types.js'
import type { WriteScope } from './write-scope.js'

const STATUS = new Set<MessageStatus>(['queued', 'sent', 'stored', 'delivered', 'read', 'failed', 'received'])

/** Value of the `/mi/` id index: where the message lives and when it expires. */
interface MessagePosition { c: string, k: number, t: number, x: number | null }

function validate (m: Message): Message {
  requireString('message id', m.id)
  conversationIdBytes(m.conversationId)
  requireTime('clock', m.clock)
  requireTime('senderTimestamp', m.senderTimestamp)
  if (m.direction !== 'in' && m.direction !== 'out') throw new InvalidRecordError('direction must be in or out')
  requireString('sender', m.sender)
  requireBytes('content', m.content)
  if (!STATUS.has(m.status)) throw new InvalidRecordError('bad message status')
  if (m.expiresAt !== null) requireTime('expiresAt', m.expiresAt)
  return m
}

export async function messageTag (cipher: StoreCipher, id: string): Promise<Uint8Array> {
  return await cipher.tag(DOMAIN.message, requireString('message id', id))
}

/** Stages deletion of a message and everything hanging off it; false when it does not exist. */
export async function deleteMessageIn (s: WriteScope, idTag: Uint8Array): Promise<boolean> {
  const idxKey = concatBytes(PREFIX.messageId, idTag)
  const pos = await s.read(idxKey) as MessagePosition | undefined
  if (pos === undefined) return false
  s.del(messageKey(pos.c, pos.k, pos.t, idTag))
  s.del(idxKey)
  s.del(concatBytes(PREFIX.receipt, idTag))
  if (pos.x !== null) s.del(expiryKey(pos.x, idTag))
  return true
}

/**
 * Messages, ordered per conversation by (logical clock, sender timestamp), with an id index, an
 * expiry index for disappearing messages, and backward paging.
 *
 * @example
 * ```ts
 * await store.messages.put({ id, conversationId, clock: 7, senderTimestamp: Date.now(), direction: 'in',
 *   sender: accountId, content, status: 'received', expiresAt: null })
 * const page = await store.messages.latest(conversationId, { limit: 50 })
 * const older = await store.messages.latest(conversationId, { limit: 50, cursor: page.cursor })
 * ```
 */
export class MessageRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  /** Inserts or replaces a message (same id → same record, even if its position changes). */
  async put (message: Message, options: StoreOptions = {}): Promise<void> {
    await this.putMany([message], options)
  }

  /**
   * Inserts or replaces many messages in one batch (one index lookup for all of them): the fast
   * path for a drained mailbox or a sync.
   */
  async putMany (messages: Message[], options: StoreOptions = {}): Promise<void> {
    const ms = messages.map(validate)
    const tags: Uint8Array[] = []
    for (const m of ms) tags.push(await messageTag(this.ctx.skv.cipher, m.id))
    const idxKeys = tags.map((t) => concatBytes(PREFIX.messageId, t))
    await this.ctx.write(async (s) => {
      const olds = await s.readMany(idxKeys)
      const seen = new Set<string>()
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i]
        const idTag = tags[i]
        const old = (seen.has(m.id) ? await s.read(idxKeys[i]) : olds[i]) as MessagePosition | undefined
        seen.add(m.id)
        const key = messageKey(m.conversationId, m.clock, m.senderTimestamp, idTag)
        if (old !== undefined) {
          const oldKey = messageKey(old.c, old.k, old.t, idTag)
          if (!equalBytes(oldKey, key)) s.del(oldKey)
          if (old.x !== null && old.x !== m.expiresAt) s.del(expiryKey(old.x, idTag))
        }
        // a replaced message (an edit) must not leave its old text in the files
        s.put(key, asStored({ ...m }), { purgeOld: old !== undefined })
        s.put(idxKeys[i], { c: m.conversationId, k: m.clock, t: m.senderTimestamp, x: m.expiresAt })
        if (m.expiresAt !== null) s.put(expiryKey(m.expiresAt, idTag), { m: m.id, c: m.conversationId })
      }
    }, options.signal)
  }

  /** Looks a message up by id; a damaged record throws IntegrityError. */
  async get (id: string, options: StoreOptions = {}): Promise<Message | undefined> {
    options.signal?.throwIfAborted()
    const idTag = await messageTag(this.ctx.skv.cipher, id)
    const pos = await this.ctx.read(concatBytes(PREFIX.messageId, idTag)) as MessagePosition | undefined
    if (pos === undefined) return undefined
    const m = await this.ctx.read(messageKey(pos.c, pos.k, pos.t, idTag)) as Message | undefined
    if (m === undefined) return undefined
    if (m.id !== id) throw new IntegrityError('message index points at another message')
    return m
  }

  /** Updates the status of a message; false when it does not exist. */
  async setStatus (id: string, status: MessageStatus, options: StoreOptions = {}): Promise<boolean> {
    if (!STATUS.has(status)) throw new InvalidRecordError('bad message status')
    const idTag = await messageTag(this.ctx.skv.cipher, id)
    return await this.ctx.write(async (s) => {
      const pos = await s.read(concatBytes(PREFIX.messageId, idTag)) as MessagePosition | undefined
      if (pos === undefined) return false
      const key = messageKey(pos.c, pos.k, pos.t, idTag)
      const m = await s.read(key) as Message | undefined
      if (m === undefined) return false
      s.put(key, asStored({ ...m, status }))
      return true
    }, options.signal)
  }

  /** Deletes a message with its indexes and receipts; false when it did not exist. */
  async delete (id: string, options: StoreOptions = {}): Promise<boolean> {
    const idTag = await messageTag(this.ctx.skv.cipher, id)
    return await this.ctx.write(async (s) => await deleteMessageIn(s, idTag), options.signal)
  }

  /**
   * The newest messages of a conversation, newest first. Pass the returned `cursor` to get the
   * page before it. Damaged records are skipped and counted in `damaged`.
   */
  async latest (conversationId: string, options: PageOptions = {}): Promise<Page<Message>> {
    const limit = pageLimit(options.limit)
    const prefix = messagePrefix(conversationId)
    let lt = prefixEnd(prefix)
    if (options.cursor !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(options.cursor)) throw new InvalidQueryError('bad cursor')
      lt = concatBytes(prefix, fromHex(options.cursor))
    }
    const items: Message[] = []
    let damaged = 0
    let seen = 0
    let last: Uint8Array | undefined
    for (const row of await this.ctx.skv.page({ gte: prefix, lt, reverse: true, limit }, options.signal)) {
      seen++
      last = row.key
      if (row.error !== undefined) damaged++
      else items.push(row.value as unknown as Message)
    }
    const cursor = seen === limit && last !== undefined ? toHex(last.subarray(prefix.length)) : undefined
    return { items, damaged, ...(cursor !== undefined ? { cursor } : {}) }
  }
}
