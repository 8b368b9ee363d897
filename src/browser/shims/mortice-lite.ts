/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `mortice` where libp2p's peer store
 * uses it: one read/write lock per peer id, `singleProcess: true`. Mortice builds that from
 * it-queue job queues and, in browsers, also opens a BroadcastChannel to serve lock requests
 * from Web Workers (≈6.5 KiB minified with it-queue); the bundle runs libp2p in one context.
 *
 * Same semantics as mortice 3 for what the peer store uses:
 * - `mortice({ name })` returns the one lock of that name in this page until `finalize()`;
 * - `writeLock()` waits for every earlier holder and grants one writer at a time, in order;
 * - `readLock()` joins the current batch of readers (granted together, also while it runs),
 *   unless a writer queued since, in which case it starts a new batch after that writer;
 * - each call resolves to a release function; a signal aborted before the call rejects with
 *   its reason, aborted while waiting rejects with `AbortError` and leaves the line, aborted
 *   while held frees the slot as mortice's queue does.
 * Cross-context locks (`singleProcess: false`) throw.
 */
import { AbortError } from 'abort-error'

export interface MorticeLiteOptions {
  name?: string
  singleProcess?: boolean
  concurrency?: number
  autoFinalize?: boolean
}

export interface LockOptions {
  signal?: AbortSignal
}

export type Release = () => void

interface Holder {
  /** Called when the lock is granted. */
  grant: () => void
  /** Frees the slot (idempotent). */
  release: Release
}

interface Batch {
  kind: 'read'
  running: boolean
  waiting: Set<Holder>
  holding: number
}

interface Writer {
  kind: 'write'
  holder: Holder
}

const locks = new Map<string, MorticeLite>()

export class MorticeLite {
  readonly #name: string
  readonly #queue: Array<Batch | Writer> = []
  #active: Batch | Writer | null = null
  /** The batch new readers join; cleared once a writer queues behind it. */
  #openBatch: Batch | null = null

  constructor (name: string) {
    this.#name = name
  }

  async readLock (options: LockOptions = {}): Promise<Release> {
    options.signal?.throwIfAborted()
    let batch = this.#openBatch
    if (batch == null) {
      batch = { kind: 'read', running: false, waiting: new Set(), holding: 0 }
      this.#openBatch = batch
      this.#queue.push(batch)
    }
    const joined = batch
    return await this.#wait(options.signal, (holder) => {
      if (joined.running) {
        joined.holding++
        holder.grant()
      } else {
        joined.waiting.add(holder)
      }
    }, (holder) => {
      // a batch grants as it starts, so only a batch still in line has waiting readers
      joined.waiting.delete(holder)
    }, () => {
      joined.holding--
      if (joined.holding === 0) this.#done(joined)
    })
  }

  async writeLock (options: LockOptions = {}): Promise<Release> {
    options.signal?.throwIfAborted()
    this.#openBatch = null
    let writer: Writer | undefined
    return await this.#wait(options.signal, (holder) => {
      writer = { kind: 'write', holder }
      this.#queue.push(writer)
    }, () => {
      const at = writer == null ? -1 : this.#queue.indexOf(writer)
      if (at >= 0) this.#queue.splice(at, 1)
    }, () => {
      if (writer != null) this.#done(writer)
    })
  }

  finalize (): void {
    if (locks.get(this.#name) === this) locks.delete(this.#name)
  }

  /**
   * A pending grant: `enqueue` puts the holder in line, `dequeue` takes it out again (aborted
   * while waiting), `free` gives the slot back (released, or aborted while held).
   */
  async #wait (signal: AbortSignal | undefined, enqueue: (holder: Holder) => void, dequeue: (holder: Holder) => void, free: () => void): Promise<Release> {
    return await new Promise<Release>((resolve, reject) => {
      let state: 'waiting' | 'held' | 'done' = 'waiting'
      const onAbort = (): void => {
        if (state === 'waiting') {
          state = 'done'
          dequeue(holder)
          reject(new AbortError())
          this.#pump()
        } else {
          holder.release()
        }
      }
      const holder: Holder = {
        grant: () => {
          if (state !== 'waiting') return
          state = 'held'
          resolve(holder.release)
        },
        release: () => {
          if (state !== 'held') return
          state = 'done'
          signal?.removeEventListener('abort', onAbort)
          free()
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      enqueue(holder)
      this.#pump()
    })
  }

  #pump (): void {
    while (this.#active == null && this.#queue.length > 0) {
      const next = this.#queue.shift() as Batch | Writer
      this.#active = next
      if (next.kind === 'write') {
        next.holder.grant()
      } else {
        next.running = true
        const holders = [...next.waiting]
        next.waiting.clear()
        next.holding += holders.length
        for (const holder of holders) holder.grant()
        if (next.holding === 0) this.#done(next)
      }
    }
  }

  #done (entry: Batch | Writer): void {
    if (this.#active !== entry) return
    if (entry === this.#openBatch) this.#openBatch = null
    this.#active = null
    this.#pump()
  }
}

export default function mortice (options: MorticeLiteOptions = {}): MorticeLite {
  if (options.singleProcess !== true) {
    throw new Error('mortice stand-in of the Parley browser build: only singleProcess locks are supported')
  }
  if (options.concurrency != null && options.concurrency !== Number.POSITIVE_INFINITY) {
    throw new Error('mortice stand-in of the Parley browser build: a limit on concurrent readers is not supported')
  }
  if (options.autoFinalize === true) {
    throw new Error('mortice stand-in of the Parley browser build: autoFinalize is not supported')
  }
  const name = options.name ?? 'lock'
  let lock = locks.get(name)
  if (lock == null) {
    lock = new MorticeLite(name)
    locks.set(name, lock)
  }
  return lock
}
