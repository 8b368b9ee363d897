/** Limits and tuning of the groups feature (docs/PROTOCOL.md §12). */

/** Account records resolved at once when fanning out to a group's members. */
export const GROUP_RESOLVE_CONCURRENCY = 16
/** Largest GROUP_UPDATE payload (a whole log snapshot). */
export const MAX_GROUP_UPDATE_BYTES = 150 * 1024
