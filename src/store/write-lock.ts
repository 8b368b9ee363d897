/**
 * A FIFO mutex serialising the store's write transactions, so read-modify-write steps (indexes,
 * unread counts, receipts) never interleave.
 */
export class WriteLock {
  private tail: Promise<void> = Promise.resolve()

  async run<T> (fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const prev = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => { release = resolve })
    try {
      await prev
      signal?.throwIfAborted()
      return await fn()
    } finally {
      release()
    }
  }
}
