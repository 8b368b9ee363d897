/** The membership log of groups: signed operations, a hash-linked DAG, one deterministic merge (PROTOCOL.md §12.1). */
export * from './constants.js'
export * from './errors.js'
export { GroupLog, type AddResult, type DeviceCheck, type GroupLogInit } from './group-log.js'
export { createOp, nextOp, type OpAuthor, type OpFields } from './op-builder.js'
export { decodeGroupOp, groupIdOf, signGroupOp, type DecodedOp } from './op-codec.js'
export { computeState, linearize, mayMake, type GroupLinkJoin, type GroupLinkState, type GroupRole, type GroupState, type GroupWho } from './state.js'
