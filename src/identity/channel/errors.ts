import { ErrorCode, ParleyError } from '../../errors.js'

/** Why a channel post was refused: stable, for logs, metrics and tests. */
export type ChannelPostFault =
  | 'too-large' | 'malformed' | 'non-canonical' | 'wrong-channel' | 'bad-seq' | 'bad-prev'
  | 'not-admin' | 'bad-admins' | 'bad-signature' | 'undecryptable' | 'stale-admins'

/** A channel post failed validation (signature, authority, size, shape). */
export class ChannelPostInvalidError extends ParleyError {
  static override name = 'ChannelPostInvalidError'
  constructor (readonly fault: ChannelPostFault, message = `Invalid channel post (${fault})`) {
    super(message, ErrorCode.CHANNEL_POST_INVALID)
  }
}

/** A subscription link failed to parse. */
export class InvalidChannelLinkError extends ParleyError {
  static override name = 'InvalidChannelLinkError'
  constructor (message = 'Invalid channel link') { super(message, ErrorCode.INVALID_CHANNEL_LINK) }
}
