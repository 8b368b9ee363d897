import { ErrorCode, ParleyError } from '../../errors.js'

/** No group with this id on this device (or its log has not arrived yet). */
export class GroupNotFoundError extends ParleyError {
  static override name = 'GroupNotFoundError'
  constructor (message = 'Group not found', options?: { cause?: unknown }) {
    super(message, ErrorCode.GROUP_NOT_FOUND, options)
  }
}

/** The sender (or this account) is not a member of the group. */
export class NotGroupMemberError extends ParleyError {
  static override name = 'NotGroupMemberError'
  constructor (message = 'Not a member of this group', options?: { cause?: unknown }) {
    super(message, ErrorCode.NOT_GROUP_MEMBER, options)
  }
}
