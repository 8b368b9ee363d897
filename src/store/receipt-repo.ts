import { concatBytes } from '../bytes.js'
import { InvalidRecordError } from './errors.js'
import { PREFIX } from './keys.js'
import { messageTag } from './message-repo.js'
import { asStored, requireString, requireTime, type RepoContext } from './repo-context.js'
import type { DeliveryState, Receipts, StoreOptions } from './types.js'

const RANK: Record<DeliveryState, number> = { failed: 0, sent: 1, stored: 2, delivered: 3, read: 4 }

/**
 * Delivery and read state of each message, per recipient device/account. States only move
 * forward (`failed < sent < stored < delivered < read`); a late "delivered" never undoes "read".
 *
 * @example
 * ```ts
 * await store.receipts.set(messageId, theirDeviceId, 'delivered', Date.now())
 * const r = await store.receipts.get(messageId) // r.targets[theirDeviceId].state === 'delivered'
 * ```
 */
export class ReceiptRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  async get (messageId: string, options: StoreOptions = {}): Promise<Receipts | undefined> {
    options.signal?.throwIfAborted()
    const key = concatBytes(PREFIX.receipt, await messageTag(this.ctx.skv.cipher, messageId))
    return await this.ctx.read(key) as Receipts | undefined
  }

  /** Records `state` for `target`; returns the merged record. */
  async set (messageId: string, target: string, state: DeliveryState, at: number, options: StoreOptions = {}): Promise<Receipts> {
    requireString('target', target)
    requireTime('at', at)
    if (!(state in RANK)) throw new InvalidRecordError('bad delivery state')
    const key = concatBytes(PREFIX.receipt, await messageTag(this.ctx.skv.cipher, messageId))
    return await this.ctx.write(async (s) => {
      const old = await s.read(key) as Receipts | undefined
      const rec: Receipts = old ?? { messageId, targets: {} }
      const cur = rec.targets[target]
      if (cur === undefined || RANK[state] > RANK[cur.state]) rec.targets[target] = { state, at }
      s.put(key, asStored(rec))
      return rec
    }, options.signal)
  }
}
