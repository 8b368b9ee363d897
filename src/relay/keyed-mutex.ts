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
   * only one caller at a time holds several keys, which is how the store uses it (the deposit
   * group committer); everything else holds one key and waits for no other.
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
