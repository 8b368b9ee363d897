/**
 * A FIFO async mutex: `await lock.run(async () => …)` runs one task at a time. Serialises every
 * read-modify-write of ratchet sessions (sending and receiving touch the same state).
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve()
  private waiting = 0

  /** Tasks queued or running. */
  get pending (): number {
    return this.waiting
  }

  async run<T> (task: () => Promise<T>): Promise<T> {
    this.waiting++
    const result = this.tail.then(task, task)
    this.tail = result.catch(() => {})
    try {
      return await result
    } finally {
      this.waiting--
    }
  }
}
