import { ParleyError } from '../errors.js'
import { MailboxErrorCode } from '../net/mailbox-codec.js'

/**
 * A request the relay refuses; `code` (from `MailboxErrorCode`) travels back to the client.
 *
 * @example
 * ```ts
 * throw new RelayRefusal(MailboxErrorCode.MAILBOX_FULL, 'Mailbox holds 10000 envelopes')
 * ```
 */
export class RelayRefusal extends ParleyError {
  static override name = 'RelayRefusal'
  constructor (code: MailboxErrorCode, message: string = code) { super(message, code) }
}

export class AuthRequiredError extends RelayRefusal {
  static override name = 'AuthRequiredError'
  constructor (message = 'Authenticate as the mailbox owner first') { super(MailboxErrorCode.AUTH_REQUIRED, message) }
}

export class AuthFailedError extends RelayRefusal {
  static override name = 'AuthFailedError'
  constructor (message = 'Mailbox authentication failed') { super(MailboxErrorCode.AUTH_FAILED, message) }
}

export class AuthReplayError extends RelayRefusal {
  static override name = 'AuthReplayError'
  constructor (message = 'This challenge was already answered') { super(MailboxErrorCode.AUTH_REPLAY, message) }
}

/** Which quota refused a write (the `quota` label of `parley_relay_quota_refusals_total`). */
export type QuotaName = 'mailboxes' | 'mailbox_envelopes' | 'mailbox_bytes' | 'storage' | 'prekeys'
  | 'unowned_mailboxes' | 'unowned_mailbox_envelopes' | 'unowned_mailbox_bytes' | 'address_storage' | 'network_storage'
  | 'prekey_bytes' | 'address_mailboxes' | 'network_mailboxes'

export class QuotaExceededError extends RelayRefusal {
  static override name = 'QuotaExceededError'
  constructor (code: typeof MailboxErrorCode.MAILBOX_FULL | typeof MailboxErrorCode.STORAGE_FULL | typeof MailboxErrorCode.PREKEY_LIMIT, message: string, readonly quota?: QuotaName) { super(code, message) }
}

export class RateLimitedError extends RelayRefusal {
  static override name = 'RateLimitedError'
  constructor (message = 'Too many requests; slow down') { super(MailboxErrorCode.RATE_LIMITED, message) }
}

export class EnvelopeTooLargeError extends RelayRefusal {
  static override name = 'EnvelopeTooLargeError'
  constructor (message = 'Envelope exceeds the relay size limit') { super(MailboxErrorCode.ENVELOPE_TOO_LARGE, message) }
}

/** The relay config file or a flag is invalid; `field` names the offending setting. */
export class ConfigError extends ParleyError {
  static override name = 'ConfigError'
  readonly field: string
  constructor (field: string, message: string) {
    super(`Invalid relay config: ${field}: ${message}`, 'ERR_RELAY_CONFIG')
    this.field = field
  }
}
