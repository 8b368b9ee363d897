import { ErrorCode, ParleyError } from '../errors.js'

/** A frame announced or carried more bytes than the protocol allows. */
export class FrameTooLargeError extends ParleyError {
  static override name = 'FrameTooLargeError'
  constructor (message = 'Frame exceeds the size limit') { super(message, 'ERR_FRAME_TOO_LARGE') }
}

/** The length prefix of a frame is not a valid varint within bounds. */
export class BadLengthPrefixError extends ParleyError {
  static override name = 'BadLengthPrefixError'
  constructor (message = 'Invalid frame length prefix') { super(message, 'ERR_BAD_LENGTH_PREFIX') }
}

/** The remote closed its side in the middle of a frame. */
export class TruncatedFrameError extends ParleyError {
  static override name = 'TruncatedFrameError'
  constructor (message = 'Stream ended in the middle of a frame') { super(message, 'ERR_TRUNCATED_FRAME') }
}

/** No complete frame arrived within the read timeout. */
export class FrameTimeoutError extends ParleyError {
  static override name = 'FrameTimeoutError'
  constructor (message = 'Timed out waiting for a frame') { super(message, 'ERR_FRAME_TIMEOUT') }
}

/** A frame was complete but did not decode as the expected protobuf message. */
export class MalformedFrameError extends ParleyError {
  static override name = 'MalformedFrameError'
  constructor (message = 'Malformed frame') { super(message, 'ERR_MALFORMED_FRAME') }
}

/** The stream closed or failed before the answer arrived. */
export class StreamClosedError extends ParleyError {
  static override name = 'StreamClosedError'
  constructor (message = 'Stream closed before the answer arrived') { super(message, 'ERR_STREAM_CLOSED') }
}

/** The remote refused an envelope; `code` carries its stated reason. */
export class EnvelopeRejectedError extends ParleyError {
  static override name = 'EnvelopeRejectedError'
  constructor (message: string, code: string) { super(message, code) }
}

/** No account record could be found for an address. */
export class AccountNotFoundError extends ParleyError {
  static override name = 'AccountNotFoundError'
  constructor (message = 'No account record found') { super(message, 'ERR_ACCOUNT_NOT_FOUND') }
}

/** A device is not listed in its account's record, or could not be reached. */
export class DeviceUnreachableError extends ParleyError {
  static override name = 'DeviceUnreachableError'
  constructor (message = 'Device could not be reached', options?: { cause?: unknown }) { super(message, 'ERR_DEVICE_UNREACHABLE', options) }
}

/** No frame started within the idle timeout (the stream is closed gracefully). */
export class IdleTimeoutError extends ParleyError {
  static override name = 'IdleTimeoutError'
  constructor (message = 'No frame within the idle timeout') { super(message, 'ERR_IDLE_TIMEOUT') }
}

/** A DHT PUT offered an account record older than the one held (lower sequence): a rollback. */
export class RecordRollbackError extends ParleyError {
  static override name = 'RecordRollbackError'
  constructor (message = 'A newer account record is already held') { super(message, 'ERR_RECORD_ROLLBACK') }
}

/** This node holds as many foreign DHT records (or bytes) as it allows, overall or for the sender's address. */
export class DhtStoreFullError extends ParleyError {
  static override name = 'DhtStoreFullError'
  constructor (message = 'DHT record store is full', code = 'ERR_DHT_STORE_FULL') { super(message, code) }
}

/** A peer or its address sent PUT_VALUE requests faster than allowed. */
export class DhtPutRateLimitedError extends ParleyError {
  static override name = 'DhtPutRateLimitedError'
  constructor (message = 'DHT PUT rate limit exceeded') { super(message, 'ERR_DHT_PUT_RATE_LIMITED') }
}

/** A DHT record this node will not hold: unknown namespace, undecodable, or invalid. */
export class DhtRecordRefusedError extends ParleyError {
  static override name = 'DhtRecordRefusedError'
  constructor (message = 'DHT record refused') { super(message, 'ERR_DHT_RECORD_REFUSED') }
}

/** Too many sends wait for a throwaway depositor identity; the outbox retries later. */
export class DepositorBusyError extends ParleyError {
  static override name = 'DepositorBusyError'
  constructor (message = 'Too many deposits wait for a throwaway identity') { super(message, ErrorCode.DEPOSITOR_BUSY) }
}

/** The anonymous depositor was stopped (the messenger is stopping). */
export class DepositorStoppedError extends ParleyError {
  static override name = 'DepositorStoppedError'
  constructor () { super('The anonymous depositor is stopped', ErrorCode.DEPOSITOR_STOPPED) }
}

/** No valid record of a fleet could be found (DHT lookup failed, nothing cached). */
export class FleetNotFoundError extends ParleyError {
  static override name = 'FleetNotFoundError'
  constructor (message = 'No fleet record found') { super(message, 'ERR_FLEET_NOT_FOUND') }
}

/** No member relay of a fleet could serve the request (every member tried failed). */
export class FleetUnavailableError extends ParleyError {
  static override name = 'FleetUnavailableError'
  constructor (message = 'No member of the fleet is reachable') { super(message, 'ERR_FLEET_UNAVAILABLE') }
}

/** A fleet record was selected or aged before its rules were loaded (`ParleyRecords.ready` first): a bug, never bad input. */
export class FleetRulesNotLoadedError extends ParleyError {
  static override name = 'FleetRulesNotLoadedError'
  constructor (message = 'Fleet-record rules are not loaded yet (await ParleyRecords.ready first)') { super(message, ErrorCode.FLEET_RULES_NOT_LOADED) }
}
