import { MIN_SCRYPT_N } from './constants.js'
import { passphraseKeySource } from './key-source.js'
import { MemoryKv, MemoryKvData } from './memory-backend.js'
import { openOnBackend } from './open-backend.js'
import type { ScryptParams } from './passphrase-keyring.js'
import type { Store } from './store.js'

export interface OpenMemoryStoreOptions {
  /** Reuse to "reopen" the same in-memory database. */
  data?: MemoryKvData
  /** @default 'memory' */
  passphrase?: string
  /** @default { N: 2 ** 10, r: 8, p: 1 } (cheap: tests only) */
  kdf?: ScryptParams
  signal?: AbortSignal
}

/**
 * An encrypted store in memory, for unit tests only (same code above the backend as the real
 * stores; nothing persists past the process).
 *
 * @example
 * ```ts
 * const data = new MemoryKvData()
 * const store = await openMemoryStore({ data })
 * ```
 */
export async function openMemoryStore (options: OpenMemoryStoreOptions = {}): Promise<Store> {
  const data = options.data ?? new MemoryKvData()
  const source = passphraseKeySource(options.passphrase ?? 'memory', options.kdf ?? { N: MIN_SCRYPT_N, r: 8, p: 1 })
  return await openOnBackend(new MemoryKv(data), source, {}, options)
}

export { MemoryKvData }
