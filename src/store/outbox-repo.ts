import { concatBytes, u64 } from '../bytes.js'
import { InvalidRecordError } from './errors.js'
import { DOMAIN, PREFIX, outboxDueKey, tagKey } from './keys.js'
import { asStored, pageLimit, requireBytes, requireString, requireTime, type RepoContext } from './repo-context.js'
import { TAG_BYTES } from './store-cipher.js'
import type { OutboxEntry, OutboxTarget, Page, StoreOptions } from './types.js'

function validate (e: OutboxEntry): OutboxEntry {
  requireString('outbox id', e.id)
  requireBytes('envelope', e.envelope)
  if (!Array.isArray(e.targets)) throw new InvalidRecordError('targets must be an array')
  for (const t of e.targets) requireString('target', t)
  if (e.target !== undefined) validateTarget(e.target)
  requireTime('attempts', e.attempts)
  requireTime('nextAttemptAt', e.nextAttemptAt)
  requireTime('createdAt', e.createdAt)
  if (e.order !== undefined) requireTime('order', e.order)
  if (e.messageId !== null) requireString('messageId', e.messageId)
  if (e.lastError !== null && typeof e.lastError !== 'string') throw new InvalidRecordError('lastError must be a string or null')
  return e
}

function validateTarget (t: OutboxTarget): void {
  if (t.kind === 'sealed') {
    requireString('target address', t.address)
    requireString('target device', t.deviceKey)
    if (typeof t.directOnly !== 'boolean') throw new InvalidRecordError('target directOnly must be a boolean')
  } else if (t.kind === 'pending') {
    requireString('target conversation', t.conversationId)
  } else {
    throw new InvalidRecordError('unknown outbox target kind')
  }
}

/**
 * The persistent outbox: envelopes waiting for delivery with their retry state, indexed by
 * next attempt time.
 *
 * @example
 * ```ts
 * await store.outbox.put({ id, envelope, targets: [deviceId], attempts: 0, nextAttemptAt: Date.now(),
 *   createdAt: Date.now(), messageId: null, lastError: null })
 * const { items } = await store.outbox.due(Date.now())
 * await store.outbox.delete(id) // acked
 * ```
 */
export class OutboxRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (id: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.outbox, this.ctx.skv.cipher, DOMAIN.outbox, id)
  }

  async get (id: string, options: StoreOptions = {}): Promise<OutboxEntry | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(await this.key(id)) as OutboxEntry | undefined
  }

  /** Inserts or updates an entry (e.g. after a failed attempt with a later `nextAttemptAt`). */
  async put (entry: OutboxEntry, options: StoreOptions = {}): Promise<void> {
    const e = validate(entry)
    const key = await this.key(e.id)
    const idTag = key.subarray(PREFIX.outbox.length)
    await this.ctx.write(async (s) => {
      const old = await s.read(key) as OutboxEntry | undefined
      if (old !== undefined && old.nextAttemptAt !== e.nextAttemptAt) s.del(outboxDueKey(old.nextAttemptAt, idTag))
      s.put(key, asStored({ ...e }))
      s.put(outboxDueKey(e.nextAttemptAt, idTag), {})
    }, options.signal)
  }

  /** Removes an entry (delivered, or given up); false when it did not exist. */
  async delete (id: string, options: StoreOptions = {}): Promise<boolean> {
    const key = await this.key(id)
    const idTag = key.subarray(PREFIX.outbox.length)
    return await this.ctx.write(async (s) => {
      const old = await s.read(key) as OutboxEntry | undefined
      if (old === undefined) return false
      s.del(key)
      s.del(outboxDueKey(old.nextAttemptAt, idTag))
      return true
    }, options.signal)
  }

  /** Entries whose next attempt is due at `now` or earlier, earliest first. */
  async due (now: number, options: StoreOptions & { limit?: number } = {}): Promise<Page<OutboxEntry>> {
    requireTime('now', now)
    const limit = pageLimit(options.limit)
    this.ctx.skv.check()
    const keys: Uint8Array[] = []
    for await (const k of this.ctx.skv.kv.keys({ gte: PREFIX.outboxDue, lt: concatBytes(PREFIX.outboxDue, u64(now + 1)), limit })) {
      options.signal?.throwIfAborted()
      keys.push(concatBytes(PREFIX.outbox, k.subarray(k.length - TAG_BYTES)))
    }
    const values = await this.ctx.skv.getMany(keys)
    const items: OutboxEntry[] = []
    let damaged = 0
    for (const v of values) {
      if (v instanceof Error) damaged++
      else if (v !== undefined && (v as unknown as OutboxEntry).nextAttemptAt <= now) items.push(v as unknown as OutboxEntry)
    }
    return { items, damaged }
  }
}
