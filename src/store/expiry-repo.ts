import { concatBytes, readU64, u64 } from '../bytes.js'
import { PREFIX } from './keys.js'
import { deleteMessageIn } from './message-repo.js'
import { pageLimit, requireTime, type RepoContext } from './repo-context.js'
import { TAG_BYTES } from './store-cipher.js'
import type { ExpiryEntry, Page, StoreOptions } from './types.js'

/**
 * The expiry index for disappearing messages and retention.
 *
 * @example
 * ```ts
 * const { items } = await store.expiry.before(Date.now())
 * const removed = await store.expiry.purge(Date.now())
 * ```
 */
export class ExpiryRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  /** Entries expiring strictly before `time`, earliest first. */
  async before (time: number, options: StoreOptions & { limit?: number } = {}): Promise<Page<ExpiryEntry>> {
    requireTime('time', time)
    const limit = pageLimit(options.limit)
    const items: ExpiryEntry[] = []
    let damaged = 0
    for (const row of await this.ctx.skv.page({ gte: PREFIX.expiry, lt: concatBytes(PREFIX.expiry, u64(time)), limit }, options.signal)) {
      if (row.error !== undefined) { damaged++; continue }
      const v = row.value as { m: string, c: string }
      items.push({ expiresAt: readU64(row.key, PREFIX.expiry.length), messageId: v.m, conversationId: v.c })
    }
    return { items, damaged }
  }

  /** Deletes up to `limit` (default 500) messages expiring before `time` in one batch; returns how many. */
  async purge (time: number, options: StoreOptions & { limit?: number } = {}): Promise<number> {
    requireTime('time', time)
    const limit = pageLimit(options.limit ?? 500)
    return await this.ctx.write(async (s) => {
      let n = 0
      for await (const key of this.ctx.skv.kv.keys({ gte: PREFIX.expiry, lt: concatBytes(PREFIX.expiry, u64(time)), limit })) {
        options.signal?.throwIfAborted()
        const idTag = key.subarray(key.length - TAG_BYTES)
        if (await deleteMessageIn(s, idTag)) n++
        s.del(key)
      }
      return n
    }, options.signal)
  }
}
