import type { AbortOptions, Logger } from '@libp2p/interface'
import { compareBytes, startsWith, toHex } from '../bytes.js'
import { DEFAULT_COMPACTION_DELAY_MS, MAX_COMPACTION_SPANS, MAX_PENDING_COMPACTION_KEYS } from './constants.js'
import type { KvBackend, KvOp } from './kv-backend.js'
import { KEYSPACE_END, KEYSPACE_START } from './level-backend.js'
import { PREFIX } from './keys.js'

/** Options of the store's background compaction. */
export interface CompactionSchedulerInit {
  /** Longest time a deleted or replaced value waits for its compaction. @default 2000 */
  delayMs?: number
  /** Keys remembered between runs; beyond it the next run covers the whole database. @default 20_000 */
  maxPendingKeys?: number
}

/** A key range `[start, end]` (inclusive) to compact. */
interface Span { start: Uint8Array, end: Uint8Array }

/** Length of the key prefix that groups keys into one span: the conversation for messages, the record kind otherwise. */
function groupLength (key: Uint8Array, fine: boolean): number {
  if (fine && startsWith(key, PREFIX.message)) return Math.min(key.length, PREFIX.message.length + 16)
  return Math.min(key.length, 4)
}

/** One span per group of keys, at most {@link MAX_COMPACTION_SPANS}. */
function spansOf (keys: Uint8Array[]): Span[] {
  for (const fine of [true, false]) {
    const groups = new Map<string, Span>()
    for (const key of keys) {
      const group = toHex(key.subarray(0, groupLength(key, fine)))
      const span = groups.get(group)
      if (span === undefined) groups.set(group, { start: key, end: key })
      else {
        if (compareBytes(key, span.start) < 0) span.start = key
        if (compareBytes(key, span.end) > 0) span.end = key
      }
    }
    if (groups.size <= MAX_COMPACTION_SPANS || !fine) return [...groups.values()]
  }
  return [{ start: KEYSPACE_START, end: KEYSPACE_END }]
}

/**
 * Purges deleted and replaced values from LevelDB's files in the background, batched.
 *
 * A LevelDB delete only writes a tombstone: the old value stays in the write-ahead log and in
 * table files until a compaction happens to merge them, which may be never. Writers
 * {@link mark} the keys they deleted or replaced; at most `delayMs` later (and at close) one
 * run purges them all:
 *
 * 1. compact the spans holding the marked keys (this also flushes the write buffer, so every
 *    old value is now in a table file and the old log is deleted);
 * 2. under the store's write lock, write each marked key again as it is now (a tombstone if
 *    absent, the same sealed bytes if present);
 * 3. compact the spans again: those fresh entries travel down every level and meet each table
 *    holding an older version of their key, which the merge drops.
 *
 * Step 2 matters: a value and its tombstone flushed together can land in one table at the
 * deepest level, which `compactRange` alone never rewrites.
 *
 * @example
 * ```ts
 * const scheduler = new CompactionScheduler(kv, async (fn) => await lock.run(fn), log)
 * scheduler.mark([deletedKey])
 * await scheduler.runNow()
 * ```
 */
export class CompactionScheduler {
  private readonly kv: KvBackend
  private readonly exclusive: (fn: () => Promise<void>) => Promise<void>
  private readonly log: Logger
  private readonly delayMs: number
  private readonly maxPendingKeys: number
  private readonly pending = new Map<string, Uint8Array>()
  private everything = false
  private timer?: ReturnType<typeof setTimeout>
  private running?: Promise<void>
  private stopped = false

  /**
   * @param exclusive - runs `fn` while no store write is in progress (the store's write lock)
   */
  constructor (kv: KvBackend, exclusive: (fn: () => Promise<void>) => Promise<void>, log: Logger, init: CompactionSchedulerInit = {}) {
    this.kv = kv
    this.exclusive = exclusive
    this.log = log
    this.delayMs = init.delayMs ?? DEFAULT_COMPACTION_DELAY_MS
    this.maxPendingKeys = init.maxPendingKeys ?? MAX_PENDING_COMPACTION_KEYS
  }

  /** True when there is nothing waiting and no run in progress. */
  get idle (): boolean {
    return this.pending.size === 0 && !this.everything && this.running === undefined
  }

  /** Remembers keys whose old values must leave the files; schedules a run. */
  mark (keys: Iterable<Uint8Array>): void {
    if (this.stopped || !this.kv.canCompactRange) return
    for (const key of keys) {
      if (this.everything) break
      this.pending.set(toHex(key), key)
      if (this.pending.size > this.maxPendingKeys) {
        this.log('more than %d keys wait for compaction: the next run covers the whole database', this.maxPendingKeys)
        this.pending.clear()
        this.everything = true
      }
    }
    if (this.pending.size > 0 || this.everything) this.schedule()
  }

  private schedule (): void {
    if (this.timer !== undefined || this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.runNow().catch((err: unknown) => { this.log.error('background compaction failed - %e', err) })
    }, this.delayMs)
    // a pending compaction must not keep the process alive; close() runs what is left
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref()
  }

  /** Runs the pending compaction now (after the one in progress, if any). */
  async runNow (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    // a run in progress that fails is reported to whoever started it (and its keys stay marked)
    while (this.running !== undefined) await this.running.catch(() => {})
    if (this.pending.size === 0 && !this.everything) return
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    const run = this.runOnce()
    this.running = run
    try { await run } finally { this.running = undefined }
  }

  private async runOnce (): Promise<void> {
    const started = Date.now()
    const keys = [...this.pending.values()]
    const everything = this.everything
    this.pending.clear()
    this.everything = false
    const spans = everything ? [{ start: KEYSPACE_START, end: KEYSPACE_END }] : spansOf(keys)
    try {
      for (const span of spans) await this.kv.compactRange(span.start, span.end)
      await this.exclusive(async () => { await this.kv.batch(await this.refreshOps(keys, everything)) })
      for (const span of spans) await this.kv.compactRange(span.start, span.end)
    } catch (err) {
      // keep the work for the next run
      if (everything) this.everything = true
      else this.mark(keys)
      throw err
    }
    this.log('purged old versions of %s in %d spans in %d ms', everything ? 'the whole database' : `${keys.length} keys`, spans.length, Date.now() - started)
  }

  /** Each key written again as it is now; for the whole database, two tombstones bracketing it. */
  private async refreshOps (keys: Uint8Array[], everything: boolean): Promise<KvOp[]> {
    if (everything) return [{ type: 'del', key: KEYSPACE_START }, { type: 'del', key: KEYSPACE_END }]
    const values = await this.kv.getMany(keys)
    return keys.map((key, i): KvOp => {
      const value = values[i]
      return value === undefined ? { type: 'del', key } : { type: 'put', key, value }
    })
  }

  /** Stops the timer and runs what is pending (at close); failures are logged, not thrown. */
  async stop (): Promise<void> {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    try {
      await this.runNow()
    } catch (err) {
      this.log.error('compaction at close failed; deleted values may stay in the files until the next run - %e', err)
    }
    this.stopped = true
  }

  /** Forgets pending work (the store is being wiped, which compacts everything itself). */
  async cancel (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    this.pending.clear()
    this.everything = false
    // a failing run was already logged by whoever started it (timer or runNow caller)
    while (this.running !== undefined) await this.running.catch(() => {})
  }
}
