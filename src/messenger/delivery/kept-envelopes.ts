import type { Store } from '../../store/index.js'

/** Settings name of one kept envelope. */
const KEPT_PREFIX = 'receive-quarantine-envelope:'

/**
 * The sealed bytes of quarantined envelopes, one settings value each in the encrypted store
 * (never in the quarantine list itself, which is read and written whole). The quarantine bounds
 * how many are kept and their bytes.
 *
 * @example
 * ```ts
 * const kept = new KeptEnvelopes(store)
 * await kept.put(idHex, Envelope.encode(envelope))
 * const sealed = await kept.get(idHex)
 * ```
 */
export class KeptEnvelopes {
  constructor (private readonly store: Pick<Store, 'settings'>) {}

  async put (idHex: string, sealed: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.store.settings.put(KEPT_PREFIX + idHex, sealed, options)
  }

  /** The sealed bytes of envelope `idHex`, or undefined when they are not kept. */
  async get (idHex: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
    const value = await this.store.settings.get(KEPT_PREFIX + idHex, options)
    return value instanceof Uint8Array ? value : undefined
  }

  /** Forgets envelope `idHex`; returns the bytes freed (0 when none were kept). */
  async delete (idHex: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    const held = await this.get(idHex, options)
    if (held == null) return 0
    await this.store.settings.delete(KEPT_PREFIX + idHex, options)
    return held.length
  }
}
