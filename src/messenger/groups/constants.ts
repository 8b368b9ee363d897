/** Limits and tuning of the groups feature (docs/PROTOCOL.md §12). */

/** Account records resolved at once when fanning out to a group's members. */
export const GROUP_RESOLVE_CONCURRENCY = 16
/** Largest GROUP_UPDATE payload (a whole log snapshot). */
export const MAX_GROUP_UPDATE_BYTES = 150 * 1024
/** Sender-key re-requests: at most one per sender device (asking) or per requester device and chain (answering) in this time. */
export const SENDER_KEY_REQUEST_INTERVAL_MS = 60_000
/** Sender-key re-requests and answers remembered for that bound (the oldest go first). */
export const SENDER_KEY_REQUESTS_TRACKED = 4096
