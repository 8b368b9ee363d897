import { StoreKeyUnavailableError } from './errors.js'
import type { WebCryptoStoreKeys } from './webcrypto-cipher.js'

/**
 * Keeps a browser store's non-extractable WebCrypto keys in their own IndexedDB database
 * (`<name>-keys`): CryptoKey objects are structured-cloneable, so they are stored as key
 * handles and their raw bytes never reach JavaScript.
 */

const STORE = 'keys'
const ENTRY = 'store-keys'

function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('IndexedDB request failed')) }
  })
}

async function openKeysDb (name: string): Promise<IDBDatabase> {
  const req = indexedDB.open(name, 1)
  req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
  return await request(req)
}

/** Name of the IndexedDB database holding the keys of store `name`. */
export function keysDbName (name: string): string {
  return `${name}-keys`
}

/**
 * Reads the store keys of `name`, or undefined when none were saved.
 *
 * @example
 * ```ts
 * const keys = await loadWebCryptoKeys('parley') ?? await saveWebCryptoKeys('parley', await generateWebCryptoStoreKeys())
 * ```
 */
export async function loadWebCryptoKeys (name: string): Promise<WebCryptoStoreKeys | undefined> {
  const db = await openKeysDb(keysDbName(name))
  try {
    const tx = db.transaction(STORE, 'readonly')
    const v = await request(tx.objectStore(STORE).get(ENTRY)) as Partial<WebCryptoStoreKeys> | undefined
    if (v === undefined) return undefined
    if (!(v.aead instanceof CryptoKey) || !(v.mac instanceof CryptoKey)) throw new StoreKeyUnavailableError('stored browser keys are malformed')
    return { aead: v.aead, mac: v.mac }
  } finally {
    db.close()
  }
}

/**
 * Saves the store keys of `name` and returns them.
 *
 * @example
 * ```ts
 * await saveWebCryptoKeys('parley', await generateWebCryptoStoreKeys())
 * ```
 */
export async function saveWebCryptoKeys (name: string, keys: WebCryptoStoreKeys): Promise<WebCryptoStoreKeys> {
  const db = await openKeysDb(keysDbName(name))
  try {
    const tx = db.transaction(STORE, 'readwrite')
    tx.objectStore(STORE).put({ aead: keys.aead, mac: keys.mac }, ENTRY)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => { resolve() }
      tx.onerror = () => { reject(tx.error ?? new Error('IndexedDB transaction failed')) }
      tx.onabort = () => { reject(tx.error ?? new Error('IndexedDB transaction aborted')) }
    })
    return keys
  } finally {
    db.close()
  }
}

/**
 * Deletes an IndexedDB database by name (keys database or data database).
 *
 * @example
 * ```ts
 * await deleteIndexedDb('parley-keys')
 * ```
 */
export async function deleteIndexedDb (name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name)
    req.onsuccess = () => { resolve() }
    req.onerror = () => { reject(req.error ?? new Error('deleteDatabase failed')) }
    req.onblocked = () => { resolve() } // deletion proceeds once other connections close
  })
}
