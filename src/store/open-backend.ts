import { CURRENT_VERSION } from './constants.js'
import { IntegrityError, StoreKeyUnavailableError, StoreVersionError } from './errors.js'
import type { KeySource } from './key-source.js'
import { PREFIX } from './keys.js'
import type { KvBackend } from './kv-backend.js'
import { migrate } from './migrations.js'
import { ParleyStore, type KeyControl } from './parley-store.js'
import { SealedKv } from './sealed-kv.js'
import type { Store } from './store.js'
import { fromUtf8, utf8 } from './bytes.js'

const KEYCHECK = 'parley-store-keycheck-v1'

/**
 * Opens a store over any backend: unlocks the key, checks it against the data, creates a new
 * database or runs forward migrations. Used by `openStore` (Node/browser) and `openMemoryStore`.
 *
 * @example
 * ```ts
 * const store = await openOnBackend(new MemoryKv(), passphraseKeySource('pw'))
 * ```
 */
export async function openOnBackend (kv: KvBackend, source: KeySource, control: Omit<KeyControl, 'changePassphrase'> = {}, options: { signal?: AbortSignal } = {}): Promise<Store> {
  try {
    options.signal?.throwIfAborted()
    const keys = await source.unlock(kv, options.signal)
    const skv = new SealedKv(kv, keys.cipher)
    try {
      let check: unknown
      try {
        check = await skv.get(PREFIX.keycheck)
      } catch (err) {
        if (err instanceof IntegrityError) throw new StoreKeyUnavailableError('the store key does not match this database', { cause: err })
        throw err
      }
      let version: number
      if (check === undefined) {
        await skv.commit([
          { type: 'put', key: PREFIX.keycheck, value: skv.encode(utf8(KEYCHECK)) },
          { type: 'put', key: PREFIX.version, value: skv.encode({ version: CURRENT_VERSION }) }
        ])
        version = CURRENT_VERSION
      } else {
        if (!(check instanceof Uint8Array) || fromUtf8(check) !== KEYCHECK) throw new IntegrityError('key check record malformed')
        const v = await skv.get(PREFIX.version) as { version?: unknown } | undefined
        if (typeof v?.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) throw new IntegrityError('version record malformed')
        if (v.version > CURRENT_VERSION) throw new StoreVersionError(`database version ${v.version} is newer than ${CURRENT_VERSION}`)
        version = await migrate(skv, v.version, CURRENT_VERSION, options.signal)
      }
      return new ParleyStore(skv, version, { ...control, ...(keys.changePassphrase !== undefined ? { changePassphrase: keys.changePassphrase } : {}) })
    } catch (err) {
      keys.cipher.destroy()
      throw err
    }
  } catch (err) {
    await kv.close().catch(() => {})
    throw err
  }
}
