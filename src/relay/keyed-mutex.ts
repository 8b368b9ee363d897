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

  /** Resolves when no work is queued or running. */
  async idle (): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()])
  }

  get size (): number { return this.tails.size }
}
