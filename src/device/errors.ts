import { ErrorCode, ParleyError } from '../errors.js'

/** The home directory (or store) holds no account; run `parley init` (or pass `create: true`). */
export class NoAccountError extends ParleyError {
  static override name = 'NoAccountError'
  constructor (message = 'No account in this home directory') { super(message, 'ERR_NO_ACCOUNT') }
}

/** The key was wiped (its node stopped); nothing can be signed with it any more. */
export class KeyWipedError extends ParleyError {
  static override name = 'KeyWipedError'
  constructor (message = 'The key was wiped when its node stopped') { super(message, 'ERR_KEY_WIPED') }
}

/** An operation needs a started node. */
export class NodeNotStartedError extends ParleyError {
  static override name = 'NodeNotStartedError'
  constructor (message = 'The node is not started') { super(message, 'ERR_NOT_STARTED') }
}

/** Linking failed: wrong or expired code, refused entry, unreachable device. */
export class DeviceLinkError extends ParleyError {
  static override name = 'DeviceLinkError'
  constructor (message: string, code: string = ErrorCode.LINK_FAILED) { super(message, code) }
}

/** The account already has as many devices as a record may list; unlink one first. */
export class DeviceLimitError extends ParleyError {
  static override name = 'DeviceLimitError'
  constructor (message: string) { super(message, ErrorCode.DEVICE_LIMIT) }
}

/** Another device of the account unlinked this one: it may no longer sign the account record. */
export class DeviceUnlinkedError extends ParleyError {
  static override name = 'DeviceUnlinkedError'
  constructor (message = 'This device was unlinked from its account') { super(message, ErrorCode.DEVICE_UNLINKED) }
}
