import type { AbortOptions } from '@libp2p/interface'

/** `node/deferred.ts`: the messenger, the fleet-record rules and the device-link server. */
export type Deferred = typeof import('./deferred.js')

/**
 * Loads `node/deferred.ts`, the one lazy chunk of the browser bundle (see there). Everything in
 * the first load that needs deferred code takes it through this function, never through an
 * `import()` of its own.
 *
 * @example
 * ```ts
 * const { createMessenger } = await loadDeferred({ signal })
 * ```
 */
export async function loadDeferred (options: AbortOptions = {}): Promise<Deferred> {
  options.signal?.throwIfAborted()
  return await import('./deferred.js')
}
