/**
 * Errors thrown by the end-to-end encryption module. Every class carries a stable `code`
 * (see {@link ParleyError}); match on the code or the class, never on the message.
 *
 * @example
 * ```ts
 * import { DecryptError, ReplayError } from './errors.js'
 * try { await decryptMessage(backend, state, message) } catch (err) {
 *   if (err instanceof ReplayError) { ... } // duplicate: drop quietly
 *   else if (err instanceof DecryptError) { ... } // forged or corrupted
 * }
 * ```
 */
import { ParleyError } from '../errors.js'

/** A signature (prekey, one-time PQ prekey) did not verify. */
export class InvalidSignatureError extends ParleyError {
  static override name = 'InvalidSignatureError'
  constructor (message = 'Invalid signature', options?: { cause?: unknown }) {
    super(message, 'ERR_INVALID_SIGNATURE', options)
  }
}

/** A key has the wrong length or is unusable (e.g. a low-order X25519 point). */
export class InvalidKeyError extends ParleyError {
  static override name = 'InvalidKeyError'
  constructor (message = 'Invalid key', options?: { cause?: unknown }) {
    super(message, 'ERR_INVALID_KEY', options)
  }
}

/** Authenticated decryption failed: the message was forged, corrupted or is for another session. */
export class DecryptError extends ParleyError {
  static override name = 'DecryptError'
  constructor (message = 'Decryption failed', options?: { cause?: unknown }) {
    super(message, 'ERR_DECRYPT', options)
  }
}

/** The message was already decrypted once (or its key was deleted): a replay or duplicate. */
export class ReplayError extends ParleyError {
  static override name = 'ReplayError'
  constructor (message = 'Message already received', options?: { cause?: unknown }) {
    super(message, 'ERR_REPLAY', options)
  }
}

/** Accepting the message would skip more than `MAX_SKIP` message keys in one chain. */
export class TooManySkippedError extends ParleyError {
  static override name = 'TooManySkippedError'
  constructor (message = 'Too many skipped messages', options?: { cause?: unknown }) {
    super(message, 'ERR_TOO_MANY_SKIPPED', options)
  }
}

/** A prekey message names a prekey id the responder does not hold (used up or rotated away). */
export class UnknownPrekeyError extends ParleyError {
  static override name = 'UnknownPrekeyError'
  constructor (message = 'Unknown prekey', options?: { cause?: unknown }) {
    super(message, 'ERR_UNKNOWN_PREKEY', options)
  }
}

/** Bytes could not be decoded: bad protobuf, wrong field length, bad padding. */
export class MalformedMessageError extends ParleyError {
  static override name = 'MalformedMessageError'
  constructor (message = 'Malformed message', options?: { cause?: unknown }) {
    super(message, 'ERR_MALFORMED_MESSAGE', options)
  }
}

/** Input exceeds a hard size limit (checked before any parsing or crypto). */
export class MessageTooLargeError extends ParleyError {
  static override name = 'MessageTooLargeError'
  constructor (message = 'Message too large', options?: { cause?: unknown }) {
    super(message, 'ERR_MESSAGE_TOO_LARGE', options)
  }
}

/** A format version this code does not understand. */
export class UnsupportedVersionError extends ParleyError {
  static override name = 'UnsupportedVersionError'
  constructor (message = 'Unsupported version', options?: { cause?: unknown }) {
    super(message, 'ERR_UNSUPPORTED_VERSION', options)
  }
}

/** A sealed box decrypted, but its sender could not prove the identity key it names. */
export class InvalidSenderError extends ParleyError {
  static override name = 'InvalidSenderError'
  constructor (message = 'Sealed sender could not be authenticated', options?: { cause?: unknown }) {
    super(message, 'ERR_INVALID_SENDER', options)
  }
}

/** The session cannot do this yet (e.g. a responder sending before the first message arrived). */
export class SessionStateError extends ParleyError {
  static override name = 'SessionStateError'
  constructor (message = 'Invalid session state', options?: { cause?: unknown }) {
    super(message, 'ERR_SESSION_STATE', options)
  }
}
