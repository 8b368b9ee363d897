/** Limits and tuning of the groups feature (docs/PROTOCOL.md §12). */

/** Account records resolved at once when fanning out to a group's members. */
export const GROUP_RESOLVE_CONCURRENCY = 16
/** Largest GROUP_UPDATE payload (a whole log snapshot). */
export const MAX_GROUP_UPDATE_BYTES = 150 * 1024
/** Sender-key re-requests: at most one per sender device (asking) or per requester device and chain (answering) in this time. */
export const SENDER_KEY_REQUEST_INTERVAL_MS = 60_000
/** Sender-key re-requests and answers remembered for that bound (the oldest go first). */
export const SENDER_KEY_REQUESTS_TRACKED = 4096
/** Largest GROUP_JOIN payload (a request carries a link id, a secret and a short code). */
export const MAX_GROUP_JOIN_BYTES = 256
/** Join requests by link: one more per requester account per group in this time (past the burst: `ERR_RATE_LIMITED`). */
export const GROUP_JOIN_INTERVAL_MS = 60_000
/** Join requests by link one requester account may make at once per group (a typo, a retry, a second link). */
export const GROUP_JOIN_BURST = 3
/** Join requests by link handled per minute on this device, over all groups and requesters (a flood from many accounts). */
export const GROUP_JOINS_PER_MINUTE = 120
/** Requesters remembered for the per-requester bound (the oldest go first). */
export const GROUP_JOIN_REQUESTERS_TRACKED = 4096
/** Default lifetime of a new invite link. */
export const DEFAULT_GROUP_LINK_TTL_MS = 7 * 24 * 3600_000
