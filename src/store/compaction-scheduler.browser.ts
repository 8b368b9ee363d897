import type { AbortOptions, Logger } from '@libp2p/interface'
import { StoreUnsupportedError } from './errors.js'
import type { KvBackend } from './kv-backend.js'

/**
 * The browser build of `compaction-scheduler.ts`. The scheduler purges old values from LevelDB's
 * files with `compactRange`, which IndexedDB (browser-level) and the memory backend do not
 * have: there the Node scheduler's `mark` returns at once and it never runs. This one does the
 * same without the code (≈1 KiB gzip of the browser's first load; docs/BROWSER.md, "Bundle
 * size"), and refuses a backend that can compact rather than leave its deleted values in place.
 *
 * @example
 * ```ts
 * const scheduler = new CompactionScheduler(kv, async (fn) => await lock.run(fn), log)
 * scheduler.mark([deletedKey]) // nothing to purge: IndexedDB keeps no old versions to compact
 * ```
 */
export class CompactionScheduler {
  constructor (kv: KvBackend, _exclusive: (fn: () => Promise<void>) => Promise<void>, _log: Logger, _init: { delayMs?: number, maxPendingKeys?: number } = {}) {
    if (kv.canCompactRange) throw new StoreUnsupportedError('this backend compacts key ranges, which the browser build of the store does not schedule')
  }

  /** Always true: nothing is ever pending. */
  get idle (): boolean {
    return true
  }

  /** Nothing to remember: the backend cannot compact. */
  mark (_keys: Iterable<Uint8Array>): void {}

  async runNow (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
  }

  async stop (): Promise<void> {}

  async cancel (): Promise<void> {}
}
