import { randomBytes } from '@noble/ciphers/utils.js'
import { DEFAULT_SCRYPT } from './constants.js'
import { equalBytes } from '../bytes.js'
import { StoreCorruptError, StoreKeyUnavailableError } from './errors.js'
import { PREFIX } from './keys.js'
import type { KvBackend } from './kv-backend.js'
import { decodeKeyring, unwrapStoreKey, wrapStoreKey, type ScryptParams } from './passphrase-keyring.js'
import type { StoreCipher } from './store-cipher.js'
import { xchachaCipher } from './xchacha-cipher.js'

/** Unlocked key material of an open store. */
export interface UnlockedKeys {
  cipher: StoreCipher
  changePassphrase?: (oldPassphrase: string, newPassphrase: string, signal?: AbortSignal) => Promise<void>
}

/** Where a store's key comes from: unlocks it, or creates it when the database is new. */
export interface KeySource {
  unlock: (kv: KvBackend, signal?: AbortSignal) => Promise<UnlockedKeys>
}

/** True when the backend holds no record at all. */
export async function isEmpty (kv: KvBackend): Promise<boolean> {
  for await (const _ of kv.keys({ limit: 1 })) return false // eslint-disable-line no-unreachable-loop
  return true
}

/** True when every record of the backend has one of the keys `allowed` (or there is none). */
export async function holdsOnly (kv: KvBackend, allowed: Uint8Array[]): Promise<boolean> {
  for await (const key of kv.keys({ limit: allowed.length + 1 })) {
    if (!allowed.some((a) => equalBytes(a, key))) return false
  }
  return true
}

/**
 * Store key = 32 random bytes, kept in the database under `/keyring` wrapped by
 * scrypt(passphrase); see passphrase-keyring.ts.
 *
 * @example
 * ```ts
 * const source = passphraseKeySource('correct horse', { N: 2 ** 15, r: 8, p: 1 })
 * ```
 */
export function passphraseKeySource (passphrase: string, kdf: ScryptParams = DEFAULT_SCRYPT): KeySource {
  if (typeof passphrase !== 'string') throw new StoreKeyUnavailableError('a passphrase is required')
  return {
    async unlock (kv, signal) {
      let record = await kv.get(PREFIX.keyring)
      let storeKey: Uint8Array
      if (record === undefined) {
        if (!(await isEmpty(kv))) throw new StoreCorruptError('the database holds data but no keyring record')
        storeKey = randomBytes(32)
        record = await wrapStoreKey(storeKey, passphrase, kdf)
        signal?.throwIfAborted()
        await kv.batch([{ type: 'put', key: PREFIX.keyring, value: record }])
      } else {
        storeKey = await unwrapStoreKey(record, passphrase, { signal })
      }
      const cipher = xchachaCipher(storeKey)
      storeKey.fill(0)
      return {
        cipher,
        async changePassphrase (oldPassphrase, newPassphrase, sig) {
          const current = await kv.get(PREFIX.keyring)
          if (current === undefined) throw new StoreKeyUnavailableError('keyring record missing')
          const params = decodeKeyring(current)
          const key = await unwrapStoreKey(current, oldPassphrase, { signal: sig })
          try {
            const next = await wrapStoreKey(key, newPassphrase, { N: params.N, r: params.r, p: params.p })
            sig?.throwIfAborted()
            await kv.batch([{ type: 'put', key: PREFIX.keyring, value: next }])
          } finally {
            key.fill(0)
          }
        }
      }
    }
  }
}
