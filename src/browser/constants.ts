/** IndexedDB store name when `storage.name` is not given. */
export const DEFAULT_STORAGE_NAME = 'parley'

/** How long `createParley` waits for a relay reservation before going on offline. */
export const DEFAULT_RELAY_TIMEOUT_MS = 10_000
