import type { Messenger } from '../messenger/messenger.js'
import type { MessengerApi } from '../messenger/types.js'
import type { ParleyNode } from '../node/parley-node.js'
import type { Store } from '../store/index.js'
import type { StoreLock } from './store-lock.js'

/**
 * A running Parley messenger in this tab. `stop()` also closes the store and releases the tab
 * lock, so another tab (or a later `createParley`) can open the same account.
 */
export interface Parley extends MessengerApi {
  /** The device under the messenger (libp2p, keys); for diagnostics and tests. */
  readonly node: ParleyNode
  /** IndexedDB name of this account's store. */
  readonly storageName: string
}

/** What `createParley` opened, handed to the {@link Parley} that owns it. */
export interface OpenedParts {
  messenger: Messenger
  node: ParleyNode
  store: Store
  lock: StoreLock
  storageName: string
  /** The attachments' IndexedDB database, closed after the messenger stops. */
  blobs?: { close: () => Promise<void> }
}

/**
 * The {@link Parley} that `createParley` returns. It owns what `createParley` opened
 * (ownership by construction): its `stop()` stops the messenger, then the node, closes the
 * store and releases the tab lock, in that order, once. A wiped account (deleted, or past its
 * inactivity period) releases the lock at once.
 *
 * It is the messenger seen through a Proxy that adds `stop` and `storageName`, rather than a
 * class delegating each method: every other member is the messenger's own (bound to it), so the
 * object stays the messenger for callers that hold it as one (the shared chat scenarios in
 * `tests/messenger/` do), and the messenger itself is never modified.
 *
 * @example
 * ```ts
 * const parley = ownParley({ messenger, node, store, lock, storageName })
 * await parley.stop() // messenger → node → store → lock
 * ```
 */
export function ownParley (parts: OpenedParts): Parley {
  const { messenger, node, store, lock, storageName } = parts
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await messenger.stop()
        await parts.blobs?.close()
        await node.stop()
        await store.close()
      } finally {
        lock.release()
      }
    })()
    await stopping
  }
  messenger.addEventListener('wiped', () => { lock.release() }, { once: true })
  const own: Partial<Record<PropertyKey, unknown>> = { stop, storageName, node }
  // typed as the Parley it becomes: the trap adds `storageName` and replaces `stop`
  return new Proxy(messenger as Messenger & Pick<Parley, 'storageName' | 'node'>, {
    get (target, prop) {
      if (Object.hasOwn(own, prop)) return own[prop]
      const value: unknown = Reflect.get(target, prop, target)
      // methods run on the messenger itself (EventTarget's need their real receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}
