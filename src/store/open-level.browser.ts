import type { AbortOptions } from '@libp2p/interface'
import { StoreKeyUnavailableError } from './errors.js'
import { isEmpty, passphraseKeySource, type KeySource } from './key-source.js'
import { PREFIX } from './keys.js'
import { openIdbKv } from './idb-backend.js'
import { openOnBackend } from './open-backend.js'
import type { OpenStoreOptions } from './open-options.js'
import type { Store } from './store.js'
import { generateWebCryptoStoreKeys, webCryptoCipher } from './webcrypto-cipher.js'
import { deleteIndexedDb, keysDbName, loadWebCryptoKeys, saveWebCryptoKeys } from './webcrypto-keyring.js'

/** Prefix of the IndexedDB database names of Parley stores. */
export const IDB_PREFIX = 'parley-store-'

/** Store key = non-extractable WebCrypto keys kept in their own IndexedDB database. */
function webCryptoKeySource (location: string): KeySource {
  const name = IDB_PREFIX + location
  return {
    async unlock (kv) {
      if ((await kv.get(PREFIX.keyring)) !== undefined) throw new StoreKeyUnavailableError('this store is protected by a passphrase')
      let keys = await loadWebCryptoKeys(name)
      if (keys === undefined) {
        if (!(await isEmpty(kv))) throw new StoreKeyUnavailableError('the browser keys of this store are gone')
        keys = await saveWebCryptoKeys(name, await generateWebCryptoStoreKeys())
      }
      return { cipher: webCryptoCipher(keys) }
    }
  }
}

/**
 * Opens (or creates) the encrypted store in IndexedDB (browser build of `open-level.ts`), in
 * browser-level's layout (`idb-backend.ts`): stores written by earlier builds open unchanged.
 * Without a passphrase the store key is a non-extractable WebCrypto AES-GCM key; with one,
 * the key is wrapped by scrypt(passphrase) as in Node.
 *
 * @example
 * ```ts
 * const store = await openStore({ location: 'parley' })
 * ```
 */
export async function openStore (options: OpenStoreOptions): Promise<Store> {
  options.signal?.throwIfAborted()
  const source = options.passphrase !== undefined ? passphraseKeySource(options.passphrase, options.kdf) : webCryptoKeySource(options.location)
  const kv = await openIdbKv(options.location, { prefix: IDB_PREFIX, signal: options.signal })
  return await openOnBackend(kv, source, {
    destroy: async () => { await destroyStore(options.location) }
  }, options)
}

/**
 * Deletes a closed store's IndexedDB databases (data and keys).
 *
 * @example
 * ```ts
 * await destroyStore('parley')
 * ```
 */
export async function destroyStore (location: string, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  await deleteIndexedDb(IDB_PREFIX + location)
  await deleteIndexedDb(keysDbName(IDB_PREFIX + location))
}
