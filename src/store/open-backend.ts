import { CURRENT_VERSION } from './constants.js'
import type { ComponentLogger } from '@libp2p/interface'
import type { CompactionSchedulerInit } from './compaction-scheduler.js'
import { IntegrityError, StoreCorruptError, StoreKeyUnavailableError, StoreVersionError } from './errors.js'
import { holdsOnly, type KeySource } from './key-source.js'
import { errorOnlyLogger } from './store-logger.js'
import { PREFIX } from './keys.js'
import type { KvBackend } from './kv-backend.js'
import { migrate } from './migrations.js'
import { ParleyStore, type KeyControl } from './parley-store.js'
import { SealedKv } from './sealed-kv.js'
import type { Store } from './store.js'
import { fromUtf8, utf8 } from '../bytes.js'

const KEYCHECK = 'parley-store-keycheck-v1'

/** Options of {@link openOnBackend}. */
export interface OpenOnBackendOptions {
  signal?: AbortSignal
  /** @default errors to console.error only */
  logger?: ComponentLogger
  compaction?: CompactionSchedulerInit
}

/**
 * Opens a store over any backend: unlocks the key, checks it against the data, creates a new
 * database or runs forward migrations. Used by `openStore` (Node/browser) and `openMemoryStore`.
 *
 * @example
 * ```ts
 * const store = await openOnBackend(new MemoryKv(), passphraseKeySource('pw'))
 * ```
 */
export async function openOnBackend (kv: KvBackend, source: KeySource, control: Omit<KeyControl, 'changePassphrase'> = {}, options: OpenOnBackendOptions = {}): Promise<Store> {
  try {
    options.signal?.throwIfAborted()
    // a new store holds nothing, or only the keyring written just before a crash
    const fresh = await holdsOnly(kv, [PREFIX.keyring])
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
        if (!fresh) throw new StoreCorruptError('the database holds data but no key check record')
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
      const log = (options.logger ?? errorOnlyLogger()).forComponent('parley:store')
      return new ParleyStore(skv, version, { ...control, ...(keys.changePassphrase !== undefined ? { changePassphrase: keys.changePassphrase } : {}) }, { log, compaction: options.compaction })
    } catch (err) {
      keys.cipher.destroy()
      throw err
    }
  } catch (err) {
    // the open failed: that error is what the caller needs; a failing close adds nothing to it
    await kv.close().catch(() => {})
    throw err
  }
}
