import { ErrorCode, ParleyError } from '../errors.js'

/** A group message names a chain this device was never handed (or forgot): its sender must distribute it (again). */
export class UnknownSenderChainError extends ParleyError {
  static override name = 'UnknownSenderChainError'
  constructor (message = 'Unknown sender chain', options?: { cause?: unknown }) {
    super(message, ErrorCode.UNKNOWN_SENDER_CHAIN, options)
  }
}
