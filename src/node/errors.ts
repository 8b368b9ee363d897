import { ParleyError } from '../errors.js'

/** The home directory holds no account; run `parley init` (or pass `create: true`). */
export class NoAccountError extends ParleyError {
  static override name = 'NoAccountError'
  constructor (message = 'No account in this home directory') { super(message, 'ERR_NO_ACCOUNT') }
}

/** An operation needs a started node. */
export class NodeNotStartedError extends ParleyError {
  static override name = 'NodeNotStartedError'
  constructor (message = 'The node is not started') { super(message, 'ERR_NOT_STARTED') }
}
