import { ParleyError } from '../errors.js'

/** No daemon answers for this home directory. */
export class NoDaemonError extends ParleyError {
  static override name = 'NoDaemonError'
  constructor (home: string) { super(`No daemon is running for ${home}: start one with \`parley daemon\``, 'ERR_NO_DAEMON') }
}

/** The daemon answered with an `{ error }` body; `code` is the API's code. */
export class ApiResponseError extends ParleyError {
  static override name = 'ApiResponseError'
  readonly status: number
  constructor (message: string, code: string, status: number) {
    super(message, code)
    this.status = status
  }
}

/** Bad command-line input that commander cannot catch (e.g. a malformed duration). */
export class UsageError extends ParleyError {
  static override name = 'UsageError'
  constructor (message: string) { super(message, 'ERR_USAGE') }
}

/** A contact name matches several contacts. */
export class AmbiguousContactError extends ParleyError {
  static override name = 'AmbiguousContactError'
  constructor (name: string, count: number) { super(`"${name}" names ${count} contacts: use the address`, 'ERR_AMBIGUOUS_CONTACT') }
}

/** `<contact>` is neither a contact's address nor its name. */
export class ContactNotFoundError extends ParleyError {
  static override name = 'ContactNotFoundError'
  constructor (ref: string) { super(`No contact "${ref}" (see \`parley contacts list\`)`, 'ERR_CONTACT_NOT_FOUND') }
}

/** `send --wait`: delivery failed. */
export class DeliveryFailedError extends ParleyError {
  static override name = 'DeliveryFailedError'
  constructor (reason: string | undefined) { super(`Delivery failed${reason != null ? `: ${reason}` : ''}`, 'ERR_DELIVERY_FAILED') }
}

/** `<group>` is neither a group's id nor its name. */
export class GroupNotFoundError extends ParleyError {
  static override name = 'GroupNotFoundError'
  constructor (ref: string) { super(`No group "${ref}" (see \`parley groups list\`)`, 'ERR_GROUP_NOT_FOUND') }
}
