import { ParleyError } from '../errors.js'

/**
 * A relay refused a mailbox request; `code` is the relay's stable reason
 * (see `MailboxErrorCode`: `ERR_AUTH_FAILED`, `ERR_MAILBOX_FULL`, `ERR_RATE_LIMITED`…).
 *
 * @example
 * ```ts
 * try { await client.deposit(relay, envelope) } catch (err) {
 *   if (err instanceof MailboxRefusedError && err.code === 'ERR_RATE_LIMITED') retryLater()
 * }
 * ```
 */
export class MailboxRefusedError extends ParleyError {
  static override name = 'MailboxRefusedError'
  constructor (message: string, code: string) { super(message, code) }
}

/** The relay could not be reached or the stream failed before the answer. */
export class RelayUnreachableError extends ParleyError {
  static override name = 'RelayUnreachableError'
  constructor (message = 'Relay could not be reached', options?: { cause?: unknown }) { super(message, 'ERR_RELAY_UNREACHABLE', options) }
}
