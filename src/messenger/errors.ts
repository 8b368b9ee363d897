import { ErrorCode, ParleyError } from '../errors.js'

// the anonymous depositor moved to net/; its errors stay part of the messenger's public errors
export { DepositorBusyError, DepositorStoppedError } from '../net/errors.js'

/** A message arrived on a session this device does not have: the peer must start a new one. */
export class SessionResetNeededError extends ParleyError {
  static override name = 'SessionResetNeededError'
  /** The sender, when the sealed box could be opened (so a reset can be asked for). */
  readonly sender?: { accountKey: Uint8Array, deviceKey: Uint8Array }
  constructor (message = 'No session for this sender: session reset needed', sender?: { accountKey: Uint8Array, deviceKey: Uint8Array }) {
    super(message, ErrorCode.SESSION_RESET)
    if (sender != null) this.sender = sender
  }
}

/** The sealed sender claims a device its account record does not list. */
export class UnknownSenderDeviceError extends ParleyError {
  static override name = 'UnknownSenderDeviceError'
  constructor (message = 'Sender device is not listed in its account record') { super(message, ErrorCode.UNKNOWN_SENDER_DEVICE) }
}

/**
 * The sender is blocked. Not thrown by this version: a blocked sender's envelopes are acked (and
 * texts receipted) like any other and dropped, so that it cannot tell (PROTOCOL.md §7). Older
 * peers may still answer `ERR_BLOCKED`; senders treat it as permanent.
 */
export class BlockedSenderError extends ParleyError {
  static override name = 'BlockedSenderError'
  constructor () { super('Sender is blocked', ErrorCode.BLOCKED) }
}

/** Secret chat messages cannot be forwarded. */
export class NotForwardableError extends ParleyError {
  static override name = 'NotForwardableError'
  constructor () { super('Messages of a secret chat cannot be forwarded', ErrorCode.NOT_FORWARDABLE) }
}

export class ContactNotFoundError extends ParleyError {
  static override name = 'ContactNotFoundError'
  constructor (what: string) { super(`No contact ${what}`, ErrorCode.CONTACT_NOT_FOUND) }
}

export class ConversationNotFoundError extends ParleyError {
  static override name = 'ConversationNotFoundError'
  constructor (id: string) { super(`No conversation ${id}`, ErrorCode.CONVERSATION_NOT_FOUND) }
}

export class MessageNotFoundError extends ParleyError {
  static override name = 'MessageNotFoundError'
  constructor (id: string) { super(`No message ${id}`, ErrorCode.MESSAGE_NOT_FOUND) }
}

/** The operation is not allowed in this state (e.g. editing someone else's message). */
export class NotAllowedError extends ParleyError {
  static override name = 'NotAllowedError'
  constructor (message: string) { super(message, ErrorCode.NOT_ALLOWED) }
}

/** An argument is out of range (timer, text length…). */
export class InvalidArgumentError extends ParleyError {
  static override name = 'InvalidArgumentError'
  constructor (message: string) { super(message, ErrorCode.INVALID_ARGUMENT) }
}

/**
 * An invite's `relay=` is not a multiaddr, or names something Parley never dials for an invite
 * (a Unix socket, an in-memory or UDP address, a circuit, no `/p2p/<id>`…).
 */
export class InvalidInviteRelayError extends ParleyError {
  static override name = 'InvalidInviteRelayError'
  constructor (message: string) { super(message, ErrorCode.INVALID_INVITE_RELAY) }
}

/** The contact deleted its account (its record is a signed tombstone). */
export class AccountDeletedError extends ParleyError {
  static override name = 'AccountDeletedError'
  constructor () { super('That account was deleted by its owner', ErrorCode.ACCOUNT_DELETED) }
}

/** The account was wiped because it stayed inactive past its self-destruct period. */
export class AccountExpiredError extends ParleyError {
  static override name = 'AccountExpiredError'
  constructor () { super('The account passed its inactivity period and was wiped', ErrorCode.ACCOUNT_EXPIRED) }
}
