import { ParleyError } from '../errors.js'

/**
 * The passphrase does not unlock this store (the wrapped store key failed to authenticate).
 *
 * @example
 * ```ts
 * try { await openStore({ location, passphrase }) } catch (err) {
 *   if (err instanceof WrongPassphraseError) askAgain()
 * }
 * ```
 */
export class WrongPassphraseError extends ParleyError {
  static override name = 'WrongPassphraseError'
  constructor (message = 'wrong passphrase for this store', options?: { cause?: unknown }) {
    super(message, 'ERR_WRONG_PASSPHRASE', options)
  }
}

/**
 * A stored record failed authentication (bit flip, truncation, or a value moved to another key).
 * Only that record is affected; the rest of the store stays readable.
 *
 * @example
 * ```ts
 * try { await store.messages.get(id) } catch (err) {
 *   if (err instanceof IntegrityError) markDamaged(id)
 * }
 * ```
 */
export class IntegrityError extends ParleyError {
  static override name = 'IntegrityError'
  constructor (message = 'stored record failed authentication', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_INTEGRITY', options)
  }
}

/**
 * A value is larger than the store accepts (see `MAX_VALUE_BYTES`).
 *
 * @example
 * ```ts
 * await store.identity.put('blob', new Uint8Array(10_000_000)) // throws ValueTooLargeError
 * ```
 */
export class ValueTooLargeError extends ParleyError {
  static override name = 'ValueTooLargeError'
  constructor (message = 'value too large for the store', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_VALUE_TOO_LARGE', options)
  }
}

/**
 * A query asked for more rows than one page may hold (see `MAX_PAGE_SIZE`), or a malformed cursor.
 *
 * @example
 * ```ts
 * await store.messages.latest(conversationId, { limit: 1e6 }) // throws InvalidQueryError
 * ```
 */
export class InvalidQueryError extends ParleyError {
  static override name = 'InvalidQueryError'
  constructor (message = 'invalid query', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_INVALID_QUERY', options)
  }
}

/**
 * A record or argument does not have the expected shape (e.g. a conversation id that is not 32 hex chars).
 *
 * @example
 * ```ts
 * await store.conversations.get('not-an-id') // throws InvalidRecordError
 * ```
 */
export class InvalidRecordError extends ParleyError {
  static override name = 'InvalidRecordError'
  constructor (message = 'invalid record', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_INVALID_RECORD', options)
  }
}

/**
 * The store was used after `close()` or `wipe()`.
 *
 * @example
 * ```ts
 * await store.close(); await store.settings.get('x') // throws StoreClosedError
 * ```
 */
export class StoreClosedError extends ParleyError {
  static override name = 'StoreClosedError'
  constructor (message = 'the store is closed', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_CLOSED', options)
  }
}

/**
 * The database was written by a newer schema version than this code knows.
 *
 * @example
 * ```ts
 * try { await openStore(opts) } catch (err) { if (err instanceof StoreVersionError) upgradeApp() }
 * ```
 */
export class StoreVersionError extends ParleyError {
  static override name = 'StoreVersionError'
  constructor (message = 'unsupported store version', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_VERSION', options)
  }
}

/**
 * The store key is not available: no passphrase given where one is needed, or the browser's
 * key database was deleted while the data remained.
 *
 * @example
 * ```ts
 * await openStore({ location: dir }) // in Node, without a passphrase: throws StoreKeyUnavailableError
 * ```
 */
export class StoreKeyUnavailableError extends ParleyError {
  static override name = 'StoreKeyUnavailableError'
  constructor (message = 'the store key is not available', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_KEY_UNAVAILABLE', options)
  }
}

/**
 * The operation is not supported by this store's key scheme (e.g. `changePassphrase` on a
 * browser store kept under a non-extractable WebCrypto key).
 *
 * @example
 * ```ts
 * await browserStore.changePassphrase('a', 'b') // throws StoreUnsupportedError
 * ```
 */
export class StoreUnsupportedError extends ParleyError {
  static override name = 'StoreUnsupportedError'
  constructor (message = 'operation not supported by this store', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_UNSUPPORTED', options)
  }
}

/** Another process (or tab) holds the database: one opener at a time. */
export class StoreLockedError extends ParleyError {
  static override name = 'StoreLockedError'
  constructor (message = 'the store is in use by another process', options?: { cause?: unknown }) {
    super(message, 'ERR_STORE_LOCKED', options)
  }
}

/**
 * The store exists but is damaged: LevelDB's files cannot be opened, or the database holds
 * data without its keyring, key check or account identity. Parley refuses to create anything
 * over it and leaves every file where it is; see docs/store.md, "Recovery".
 *
 * @example
 * ```ts
 * try { await openHomeMessenger({ home, passphrase, create: true }) } catch (err) {
 *   if (err instanceof StoreCorruptError) console.error(err.message) // says where the files are and what to do
 * }
 * ```
 */
export class StoreCorruptError extends ParleyError {
  static override name = 'StoreCorruptError'
  constructor (message = 'the store is damaged', options?: { cause?: unknown }) {
    super(`${message}. Nothing was created or deleted. To recover: restore the store directory from a backup, or move it aside (keep it: it still holds your data) and start a new account; see docs/store.md, "Recovery"`, 'ERR_STORE_CORRUPT', options)
  }
}
