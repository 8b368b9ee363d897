import type { AbortOptions } from '@libp2p/interface'
import type { MailboxRequest, MailboxResponse } from '../../../net/mailbox-codec.js'
import type { MailboxAuthenticator } from '../../auth.js'
import type { AddressByteRate } from '../../byte-shares.js'
import type { MailboxLimits } from '../../config/limits.js'
import type { MailboxStorage } from '../../mailbox-store/index.js'
import type { RelayMetrics } from '../../metrics.js'
import type { PeerAndAddressLimiter } from '../../../net/rate-limiter.js'
import type { RateLimitedOp } from '../labels.js'
import type { MailboxSession } from '../session.js'
import type { Subscribers } from '../subscribers.js'

/** The operations of a mailbox request (exactly one per request). */
export type Operation = 'deposit' | 'getChallenge' | 'authenticate' | 'fetch' | 'ack' | 'subscribe' | 'uploadPrekeys' | 'takePrekey'

/** What every handler may use: the server's store, metrics, limits and limiters. */
export interface HandlerContext {
  readonly store: MailboxStorage
  readonly metrics: RelayMetrics
  readonly limits: MailboxLimits
  readonly auth: MailboxAuthenticator
  readonly subscribers: Subscribers
  readonly now: () => number
  readonly depositLimiter: PeerAndAddressLimiter
  /** Owner requests (every operation but deposits and prekey takes). */
  readonly fetchLimiter: PeerAndAddressLimiter
  readonly prekeyLimiter: PeerAndAddressLimiter
  /** Bytes written per remote address (deposits and prekey uploads); undefined: off. */
  readonly depositBytes: AddressByteRate | undefined
  /** New owned mailboxes (first owner logins) per remote address; undefined: off. */
  readonly ownedMailboxRate: AddressByteRate | undefined
  /** Takes a token from the peer's and the address's bucket for `op`; throws RateLimitedError naming the one that ran dry. */
  checkRate: (limiter: PeerAndAddressLimiter, op: RateLimitedOp, session: MailboxSession) => void
}

/** One operation's handler: one request in, the fields of its response out; refusals throw. */
export interface MailboxHandler<O extends Operation> {
  /** Counted against the owner-request rate limit (everything but deposits and prekey takes). */
  readonly ownerRate: boolean
  /** Needs a stream whose owner has authenticated. */
  readonly ownerOnly: boolean
  handle: (ctx: HandlerContext, session: MailboxSession, body: NonNullable<MailboxRequest[O]>, options: AbortOptions) => Promise<Partial<MailboxResponse>>
}

/** A handler per operation. */
export type HandlerTable = { readonly [O in Operation]: MailboxHandler<O> }
