/** Schema version written by this code; see `migrations.ts`. */
export const CURRENT_VERSION = 2

/** Largest plaintext value accepted for one record (ratchet state, message content, blobs of keys). */
export const MAX_VALUE_BYTES = 256 * 1024

/** Largest page a query may return. */
export const MAX_PAGE_SIZE = 500

/** Page size when none is given. */
export const DEFAULT_PAGE_SIZE = 50

/** Default scrypt cost for the passphrase KDF (N = 2^15, r = 8, p = 1: ~32 MiB, ~0.1-0.3 s). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 2 ** 15, r: 8, p: 1 })

/** Cheapest scrypt parameters accepted (tests only; N = 2^10). */
export const MIN_SCRYPT_N = 2 ** 10

/** Largest scrypt cost accepted from a keyring record (guards against a hostile record forcing huge memory). */
export const MAX_SCRYPT_N = 2 ** 20

/** Longest time a deleted or replaced value waits for the background compaction that purges it from LevelDB's files. */
export const DEFAULT_COMPACTION_DELAY_MS = 2000

/** Keys remembered for the next compaction; beyond it that run compacts the whole database. */
export const MAX_PENDING_COMPACTION_KEYS = 20_000

/** Most key ranges one compaction run handles separately (message deletes are grouped per conversation). */
export const MAX_COMPACTION_SPANS = 64
