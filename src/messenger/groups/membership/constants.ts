/** Limits of the membership log (docs/PROTOCOL.md §12.1). */

/** Version of `GroupOp`. */
export const GROUP_OP_VERSION = 1
/** Most members of one group (Signal's bound). */
export const MAX_GROUP_MEMBERS = 1000
/** Most operations in one group's log; past it the group must be re-created (bounds merge work and storage). */
export const MAX_GROUP_OPS = 4096
/** Most operations held per group while their parents are missing. */
export const MAX_HELD_OPS = 256
/** Most parents one operation names. */
export const MAX_OP_PARENTS = 16
/** Largest encoded signed operation (1,000 account keys fit). */
export const MAX_GROUP_OP_BYTES = 48 * 1024
/** Longest group name, in UTF-16 code units. */
export const MAX_GROUP_NAME_LENGTH = 128
/** Length of a group id (the first bytes of the CREATE operation's hash). */
export const GROUP_ID_LENGTH = 16
/** Domain separation of operation signatures. */
export const GROUP_OP_SIGNATURE_LABEL = 'parley/group-op/v1'
/** Length of an invite link's id (in the log) and of its secret (in the link only). */
export const GROUP_LINK_ID_LENGTH = 16
/** Most invite links live in one group at a time (LINK operations past it are skipped). */
export const MAX_GROUP_LINKS = 64
