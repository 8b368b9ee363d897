import type { AbortOptions } from '@libp2p/interface'
import { StoreLockedError } from './errors.js'

/** A held lock; `release()` is idempotent. */
export interface StoreLock {
  readonly name: string
  release: () => void
}

export interface AcquireStoreLockOptions extends AbortOptions {
  /** Wait for the holder to let go instead of failing with StoreLockedError. @default false */
  wait?: boolean
}

/** Name of the Web Lock guarding one store. */
export function storeLockName (storageName: string): string {
  return `parley-store:${storageName}`
}

/**
 * Takes the origin-wide Web Lock of a store, so that only one tab (or one `createParley` in a
 * page) writes to its IndexedDB database. Without `wait`, a held lock throws StoreLockedError
 * at once. Browsers without the Web Locks API get a no-op lock.
 *
 * @example
 * ```ts
 * const lock = await acquireStoreLock('parley')
 * try { … } finally { lock.release() }
 * ```
 */
export async function acquireStoreLock (storageName: string, options: AcquireStoreLockOptions = {}): Promise<StoreLock> {
  options.signal?.throwIfAborted()
  const name = storeLockName(storageName)
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (locks == null) return { name, release: () => {} }

  const { promise: held, resolve: release } = Promise.withResolvers<void>()
  const { promise: granted, resolve: grant, reject } = Promise.withResolvers<boolean>()
  const request = options.wait === true
    ? locks.request(name, { mode: 'exclusive', ...(options.signal != null ? { signal: options.signal } : {}) }, async () => { grant(true); await held })
    : locks.request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
      if (lock == null) { grant(false); return }
      grant(true)
      await held
    })
  request.catch(reject)
  if (!(await granted)) throw new StoreLockedError(`the store "${storageName}" is open in another tab`)
  let released = false
  return {
    name,
    release: () => {
      if (released) return
      released = true
      release()
    }
  }
}
