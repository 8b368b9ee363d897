/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `p-queue` where `@multiformats/dns`
 * uses it: its DNS-JSON-over-HTTPS resolver (how libp2p resolves `/dnsaddr/` addresses in a
 * browser) only limits how many queries are in flight. p-queue and its eventemitter3 cost
 * ≈10 KiB minified for that; this is the same limit in a few lines, with p-queue 9's `add`
 * semantics for what the resolver uses: `add(fn, { signal })` runs `fn({ signal })` once a slot
 * is free, in FIFO order, and rejects with `signal.reason` when the signal aborts while the task
 * waits or runs (the slot is then released; the task itself is not cancelled).
 * Any other option or method is a build-configuration error and throws.
 */

export interface LiteQueueOptions {
  concurrency?: number
}

export interface LiteAddOptions {
  signal?: AbortSignal
}

export default class PQueue {
  readonly concurrency: number
  #running = 0
  readonly #waiting: Array<() => void> = []

  constructor (options: LiteQueueOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'concurrency') throw new TypeError(`p-queue stand-in of the Parley browser build: option "${key}" is not supported`)
    }
    const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY
    if (typeof concurrency !== 'number' || !(concurrency >= 1)) throw new TypeError(`expected concurrency to be a number ≥ 1, got ${String(concurrency)}`)
    this.concurrency = concurrency
  }

  /** Tasks running now. */
  get pending (): number { return this.#running }
  /** Tasks waiting for a slot. */
  get size (): number { return this.#waiting.length }

  async add<T> (task: (options: LiteAddOptions) => T | PromiseLike<T>, options: LiteAddOptions = {}): Promise<T> {
    for (const key of Object.keys(options)) {
      if (key !== 'signal') throw new TypeError(`p-queue stand-in of the Parley browser build: add() option "${key}" is not supported`)
    }
    const { signal } = options
    signal?.throwIfAborted()
    await this.#acquire(signal)
    try {
      const operation = (async () => await task({ signal }))()
      if (signal == null) return await operation
      return await new Promise<T>((resolve, reject) => {
        const onAbort = (): void => { reject(signal.reason) }
        signal.addEventListener('abort', onAbort, { once: true })
        if (signal.aborted) onAbort()
        operation.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
      })
    } finally {
      this.#release()
    }
  }

  /** Takes a slot, waiting in line for one when all are taken. */
  async #acquire (signal?: AbortSignal): Promise<void> {
    if (this.#running < this.concurrency) {
      this.#running++
      return
    }
    await new Promise<void>((resolve, reject) => {
      // a released slot is handed over as it is: #running already counts it
      const start = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(start)
        if (at >= 0) this.#waiting.splice(at, 1)
        reject(signal?.reason)
      }
      this.#waiting.push(start)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #release (): void {
    const next = this.#waiting.shift()
    if (next != null) next()
    else this.#running--
  }
}
