/**
 * The one mutex module: a FIFO {@link Mutex} and a per-key {@link KeyedMutex}.
 *
 * Written here rather than taken from `mortice` (a read/write lock with cross-worker
 * coordination Parley does not need, and which the browser build replaces with a stand-in) or
 * `p-queue` (a concurrency queue with priorities and no per-key lanes): both jobs below are a
 * promise chain of a few lines, with no dependency to carry into the bundle.
 *
 * @packageDocumentation
 */
import type { AbortOptions } from '@libp2p/interface'

/**
 * A FIFO async mutex: `await lock.run(async () => …)` runs one task at a time, in call order.
 * A task whose `signal` fired while it waited is not run (it rejects with the signal's reason).
 *
 * @example
 * ```ts
 * const lock = new Mutex()
 * await lock.run(async () => { await readModifyWrite() }, { signal })
 * ```
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()
  private waiting = 0

  /** Tasks queued or running. */
  get pending (): number {
    return this.waiting
  }

  async run<T> (task: () => Promise<T>, options: AbortOptions = {}): Promise<T> {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => { release = resolve })
    this.waiting++
    try {
      await previous
      options.signal?.throwIfAborted()
      return await task()
    } finally {
      this.waiting--
      release()
    }
  }
}

/**
 * Serialises async work per key (one mailbox's deposits, fetches and acks never interleave).
 * Holds one entry per key with work queued or running, so its size is bounded by the work
 * in flight.
 *
 * @example
 * ```ts
 * const mutex = new KeyedMutex()
 * await mutex.run(mailboxId, async () => { ... })
 * ```
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => { release = resolve })
    const tail = previous.then(async () => mine)
    this.tails.set(key, tail)
    await previous
    try {
      return await fn()
    } finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /**
   * Runs `fn` holding every key in `keys` (taken in sorted order). Deadlock-free as long as
   * only one caller at a time holds several keys, which is how the relay's store uses it (the
   * deposit group committer); everything else holds one key and waits for no other.
   */
  async runMany<T> (keys: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort()
    const hold = async (i: number): Promise<T> => i === sorted.length ? await fn() : await this.run(sorted[i], async () => await hold(i + 1))
    return await hold(0)
  }

  /** Resolves when no work is queued or running. */
  async idle (): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()])
  }

  get size (): number { return this.tails.size }
}
