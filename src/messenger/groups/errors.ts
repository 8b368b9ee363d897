import { UnknownSenderChainError } from '../../crypto/sender-key-errors.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import type { SenderKeyPeer } from './sender-key-request.js'

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

/**
 * A group message whose sender chain this device lacks (`ERR_UNKNOWN_SENDER_CHAIN`, received
 * again later), naming the sending device so that the chain can be asked for.
 */
export class SenderChainMissingError extends UnknownSenderChainError {
  static override name = 'SenderChainMissingError'
  constructor (readonly peer: SenderKeyPeer, options?: { cause?: unknown }) {
    super('No sender chain for this group message yet (asked the sender for it)', options)
  }
}
