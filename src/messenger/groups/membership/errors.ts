import { ErrorCode, ParleyError } from '../../../errors.js'

/** A membership operation is malformed or inconsistent with its log (wrong group, second root, no parents, bad field). */
export class GroupOpInvalidError extends ParleyError {
  static override name = 'GroupOpInvalidError'
  constructor (message = 'Invalid group operation', options?: { cause?: unknown }) {
    super(message, ErrorCode.GROUP_OP_INVALID, options)
  }
}

/** The author of an operation may not make it (not an admin, not a member, not allowed by the settings). */
export class NotGroupAdminError extends ParleyError {
  static override name = 'NotGroupAdminError'
  constructor (message = 'Only a group admin may do this', options?: { cause?: unknown }) {
    super(message, ErrorCode.NOT_GROUP_ADMIN, options)
  }
}

/** Accepting the operation would grow the group or its log past a bound (members, operations, held operations). */
export class GroupTooLargeError extends ParleyError {
  static override name = 'GroupTooLargeError'
  constructor (message = 'Group too large', options?: { cause?: unknown }) {
    super(message, ErrorCode.GROUP_TOO_LARGE, options)
  }
}

/** An operation names parents this device does not have, and no more operations can be held until they arrive. */
export class GroupUnknownParentError extends ParleyError {
  static override name = 'GroupUnknownParentError'
  constructor (message = 'Group operation names unknown parents', options?: { cause?: unknown }) {
    super(message, ErrorCode.GROUP_UNKNOWN_PARENT, options)
  }
}
