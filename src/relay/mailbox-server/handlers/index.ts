import type { AbortOptions } from '@libp2p/interface'
import { MalformedFrameError } from '../../../net/errors.js'
import type { MailboxRequest, MailboxResponse } from '../../../net/mailbox-codec.js'
import { AuthRequiredError } from '../../errors.js'
import type { MailboxSession } from '../session.js'
import { ackHandler } from './ack.js'
import { authenticateHandler } from './authenticate.js'
import { depositHandler } from './deposit.js'
import { fetchHandler } from './fetch.js'
import { getChallengeHandler } from './get-challenge.js'
import { subscribeHandler } from './subscribe.js'
import { takePrekeyHandler } from './take-prekey.js'
import type { HandlerContext, HandlerTable, MailboxHandler, Operation } from './types.js'
import { uploadPrekeysHandler } from './upload-prekeys.js'

export type { HandlerContext, HandlerTable, MailboxHandler, Operation } from './types.js'

/** The mailbox protocol's handlers, by operation (in the manner of kad-dht's `rpc/handlers`). */
export const HANDLERS: HandlerTable = {
  deposit: depositHandler,
  takePrekey: takePrekeyHandler,
  getChallenge: getChallengeHandler,
  authenticate: authenticateHandler,
  fetch: fetchHandler,
  ack: ackHandler,
  subscribe: subscribeHandler,
  uploadPrekeys: uploadPrekeysHandler
}

const OPERATIONS = Object.keys(HANDLERS) as Operation[]

/**
 * Runs the one operation a request carries: refuses a request with none or several, counts
 * owner requests against the owner rate limit, refuses owner-only operations on a stream whose
 * owner has not authenticated, then hands the operation to its handler.
 */
export async function dispatch (ctx: HandlerContext, session: MailboxSession, request: MailboxRequest, options: AbortOptions): Promise<Partial<MailboxResponse>> {
  const present = OPERATIONS.filter((op) => request[op] != null)
  if (present.length !== 1) throw new MalformedFrameError('A request carries exactly one operation')
  const op = present[0]
  const handler = HANDLERS[op] as MailboxHandler<Operation>
  if (handler.ownerRate) ctx.checkRate(ctx.fetchLimiter, 'owner', session)
  if (handler.ownerOnly && session.owner == null) throw new AuthRequiredError()
  return await handler.handle(ctx, session, request[op] as NonNullable<MailboxRequest[Operation]>, options)
}
