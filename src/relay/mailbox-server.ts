import type { BlockList } from 'node:net'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { ParleyError } from '../errors.js'
import { decodeEnvelope } from '../net/envelope-codec.js'
import { FrameTimeoutError, IdleTimeoutError, MalformedFrameError } from '../net/errors.js'
import { FrameReader, encodeFrame } from '../net/frame-reader.js'
import { CoalescingFrameWriter } from '../net/frame-writer.js'
import {
  MAILBOX_PROTOCOL, MAX_MAILBOX_REQUEST_BYTES, MAX_PREKEY_BLOB_BYTES, MailboxErrorCode, MailboxRequest, MailboxResponse,
  decodeMailboxRequest
} from '../net/mailbox-codec.js'
import { MailboxAuthenticator, type AuthenticatedOwner, type PendingChallenge } from './auth.js'
import * as C from './constants.js'
import { AddressByteRate } from './byte-shares.js'
import { AuthRequiredError, EnvelopeTooLargeError, QuotaExceededError, RateLimitedError, RelayRefusal } from './errors.js'
import { silentLogger, type RelayLogger } from './logger.js'
import type { MailboxStore } from './mailbox-store.js'
import type { RelayMetrics } from './metrics.js'
import { PeerAndAddressLimiter, RateLimiter, type LimitScope, type RateLimit } from './rate-limiter.js'
import { quotaRefusalLabels } from './quota-labels.js'
import { addressKeys, addressList, type AddressKeys } from './remote-address.js'
import { StreamSlots, type SlotHolder, type SlotScope } from './stream-slots.js'
import { toHex as hex } from '../bytes.js'

export interface MailboxLimits {
  /** @default DEFAULT_MAX_ENVELOPE_BYTES (256 KiB) */
  maxEnvelopeBytes: number
  /** @default DEFAULT_RETENTION_MS (30 days) */
  retentionMs: number
  /** @default DEFAULT_SECRET_MAX_MS (24 h) */
  secretMaxMs: number
  depositRate: RateLimit
  fetchRate: RateLimit
  prekeyRate: RateLimit
  /** The same limits per remote address (IPv4, or IPv6 /64) across all its PeerIds; null: off. */
  depositRatePerAddress: RateLimit | null
  fetchRatePerAddress: RateLimit | null
  prekeyRatePerAddress: RateLimit | null
  /** Addresses and CIDR ranges the per-address limits skip. @default DEFAULT_ADDRESS_LIMIT_EXEMPT (loopback) */
  addressLimitExempt: string[]
  /** Deposited bytes per remote address; null: off. @default DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS */
  depositByteRatePerAddress: RateLimit | null
  /** Retention of envelopes deposited to a mailbox no owner has authenticated. @default DEFAULT_UNOWNED_RETENTION_MS (48 h) */
  unownedRetentionMs: number
  /** One-time prekeys handed out per target mailbox. @default DEFAULT_MAILBOX_PREKEY_RATE */
  mailboxPrekeyRate: RateLimit
  /** @default DEFAULT_MAX_STREAMS */
  maxStreams: number
  /** @default DEFAULT_MAX_STREAMS_PER_CONNECTION */
  maxStreamsPerConnection: number
  /** Per remote address (IPv4, IPv6 /64; its /48 gets NETWORK_SLOT_FACTOR times as many). @default DEFAULT_MAX_STREAMS_PER_ADDRESS */
  maxStreamsPerAddress: number
  /** @default DEFAULT_FRAME_TIMEOUT_MS */
  frameTimeoutMs: number
  /** @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs: number
  /** @default DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS */
  unauthenticatedIdleTimeoutMs: number
  /** @default DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS */
  subscribeIdleTimeoutMs: number
}

export interface MailboxServerInit {
  store: MailboxStore
  metrics: RelayMetrics
  limits?: Partial<MailboxLimits>
  logger?: RelayLogger
  /** Clock, for tests. */
  now?: () => number
}

export interface MailboxServerComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  peerId: PeerId
}

/** Default limits, from constants.ts. */
export function defaultMailboxLimits (): MailboxLimits {
  return {
    maxEnvelopeBytes: C.DEFAULT_MAX_ENVELOPE_BYTES,
    retentionMs: C.DEFAULT_RETENTION_MS,
    secretMaxMs: C.DEFAULT_SECRET_MAX_MS,
    depositRate: C.DEFAULT_DEPOSIT_RATE,
    fetchRate: C.DEFAULT_FETCH_RATE,
    prekeyRate: C.DEFAULT_PREKEY_RATE,
    depositRatePerAddress: C.DEFAULT_DEPOSIT_RATE_PER_ADDRESS,
    fetchRatePerAddress: C.DEFAULT_FETCH_RATE_PER_ADDRESS,
    prekeyRatePerAddress: C.DEFAULT_PREKEY_RATE_PER_ADDRESS,
    addressLimitExempt: [...C.DEFAULT_ADDRESS_LIMIT_EXEMPT],
    depositByteRatePerAddress: C.DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS,
    unownedRetentionMs: C.DEFAULT_UNOWNED_RETENTION_MS,
    mailboxPrekeyRate: C.DEFAULT_MAILBOX_PREKEY_RATE,
    maxStreams: C.DEFAULT_MAX_STREAMS,
    maxStreamsPerConnection: C.DEFAULT_MAX_STREAMS_PER_CONNECTION,
    maxStreamsPerAddress: C.DEFAULT_MAX_STREAMS_PER_ADDRESS,
    frameTimeoutMs: C.DEFAULT_FRAME_TIMEOUT_MS,
    idleTimeoutMs: C.DEFAULT_IDLE_TIMEOUT_MS,
    unauthenticatedIdleTimeoutMs: C.DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS,
    subscribeIdleTimeoutMs: C.DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS
  }
}

type RateLimitedOp = 'deposit' | 'owner' | 'prekey'
const RATE_LIMITED_WHAT: Record<RateLimitedOp, string> = { deposit: 'Deposit', owner: 'Owner request', prekey: 'Prekey request' }
const SCOPE_WHAT: Record<LimitScope, string> = { peer: 'peer', address: 'network address', network: 'IPv6 /48 network' }
/** Frozen label objects, one per series (the metrics registry caches their rendering). */
const rateLimitedLabels = (op: RateLimitedOp): Record<LimitScope, Record<string, string>> =>
  ({ peer: Object.freeze({ op, scope: 'peer' }), address: Object.freeze({ op, scope: 'address' }), network: Object.freeze({ op, scope: 'network' }) })
const RATE_LIMITED_LABELS: Record<RateLimitedOp, Record<LimitScope, Record<string, string>>> = {
  deposit: rateLimitedLabels('deposit'), owner: rateLimitedLabels('owner'), prekey: rateLimitedLabels('prekey')
}

const SLOT_LABELS: Record<SlotScope, Record<string, string>> = {
  address: Object.freeze({ scope: 'address' }), network: Object.freeze({ scope: 'network' }), relay: Object.freeze({ scope: 'relay' })
}
const BUSY_MESSAGE: Record<SlotScope, string> = {
  address: 'Too many mailbox streams from this network address',
  network: 'Too many mailbox streams from this IPv6 /48 network',
  relay: 'Relay busy'
}
type IdleState = 'unauthenticated' | 'authenticated' | 'subscribed'
const IDLE_LABELS: Record<IdleState, Record<string, string>> = {
  unauthenticated: Object.freeze({ state: 'unauthenticated' }), authenticated: Object.freeze({ state: 'authenticated' }), subscribed: Object.freeze({ state: 'subscribed' })
}
const DEPOSIT_BYTES_LABELS: Record<'address' | 'network', Record<string, string>> = {
  address: Object.freeze({ op: 'deposit_bytes', scope: 'address' }), network: Object.freeze({ op: 'deposit_bytes', scope: 'network' })
}
const PREKEY_MAILBOX_LABELS = Object.freeze({ op: 'prekey', scope: 'mailbox' })

const CURSOR_RE = /^[0-9a-f]{16}$/
const STORED = Object.freeze({ result: 'stored' })
const DUPLICATE = Object.freeze({ result: 'duplicate' })

function decodeOrError (frame: Uint8Array): MailboxRequest | MalformedFrameError {
  try {
    return decodeMailboxRequest(frame)
  } catch (err) {
    return err instanceof MalformedFrameError ? err : new MalformedFrameError((err as Error).message)
  }
}

/** State of one inbound mailbox stream. */
class MailboxSession implements SlotHolder {
  pending: PendingChallenge | undefined
  owner: AuthenticatedOwner | undefined
  subscribed = false
  queuedPushes = 0
  /** Monotonic times: opened or last deposited/took a prekey (what keeps an unauthenticated stream), last frame. */
  lastUsefulAt = performance.now()
  lastFrameAt = this.lastUsefulAt
  /** Closed to make room for another stream. */
  evicted = false
  /** Byte-share tag of this stream's remote address (computed at its first deposit). */
  depositor: number | undefined
  /** Requests being handled now (concurrent deposits). */
  readonly active = new Set<Promise<void>>()
  /** Woken when a request of `active` settles (the read loop waits here when the stream's share is taken). */
  private slotFreed: (() => void) | undefined
  private readonly writer: CoalescingFrameWriter

  constructor (readonly stream: Stream, readonly remote: string, readonly address: AddressKeys | undefined, writeTimeoutMs: number) {
    this.writer = new CoalescingFrameWriter(stream, { writeTimeoutMs })
  }

  /**
   * Writes one response; responses and pushes never interleave mid-frame, and responses ready
   * in the same turn leave in one stream write.
   */
  async write (response: MailboxResponse): Promise<void> {
    await this.writer.write(encodeFrame(MailboxResponse.encode(response)))
  }

  /** Unauthenticated, not subscribed and nothing in flight: its slot may go to a newcomer. */
  get evictable (): boolean { return this.owner == null && !this.subscribed && this.active.size === 0 }

  /** Tracks a request being handled until it settles. */
  track (handling: Promise<void>): Promise<void> {
    this.active.add(handling)
    return handling.finally(() => {
      this.active.delete(handling)
      const wake = this.slotFreed
      this.slotFreed = undefined
      wake?.()
    })
  }

  /**
   * Resolves once fewer than `limit` requests are being handled. One waiter at a time: only the
   * stream's read loop calls it.
   */
  async belowLimit (limit: number): Promise<void> {
    while (this.active.size >= limit) await new Promise<void>((resolve) => { this.slotFreed = resolve })
  }
}

/**
 * Serves `/parley/mailbox/1.0.0` on a relay: deposits from anyone, fetch/ack/subscribe and
 * prekey upload for the mailbox owner (signed challenge), one-time prekey hand-out for anyone.
 * Every refusal is answered with a stable code; framing errors close only the offending stream.
 *
 * @example
 * ```ts
 * const server = new MailboxServer({ registrar: libp2p, peerId: libp2p.peerId }, { store, metrics })
 * await server.start()
 * // …
 * await server.stop() // finishes requests in flight, then aborts the streams
 * ```
 */
export class MailboxServer {
  private readonly components: MailboxServerComponents
  private readonly store: MailboxStore
  private readonly metrics: RelayMetrics
  private readonly limits: MailboxLimits
  private readonly log: RelayLogger
  private readonly now: () => number
  private readonly auth: MailboxAuthenticator
  private readonly depositLimiter: PeerAndAddressLimiter
  private readonly fetchLimiter: PeerAndAddressLimiter
  private readonly prekeyLimiter: PeerAndAddressLimiter
  private readonly depositBytes: AddressByteRate | undefined
  /** One-time prekeys handed out per target mailbox. */
  private readonly mailboxPrekeys: RateLimiter
  /** Remote addresses the per-address limits skip (a local TLS proxy). */
  private readonly exemptAddresses: BlockList
  private readonly sessions: StreamSlots<MailboxSession>
  private readonly subscribers = new Map<string, Set<MailboxSession>>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private started = false
  private stopping = false

  constructor (components: MailboxServerComponents, init: MailboxServerInit) {
    this.components = components
    this.store = init.store
    this.metrics = init.metrics
    this.limits = { ...defaultMailboxLimits(), ...init.limits }
    this.log = init.logger ?? silentLogger
    this.now = init.now ?? Date.now
    this.auth = new MailboxAuthenticator(components.peerId.toMultihash().bytes, init.store, this.now)
    this.depositLimiter = new PeerAndAddressLimiter(this.limits.depositRate, this.limits.depositRatePerAddress, C.RATE_LIMITER_MAX_KEYS, this.now)
    this.fetchLimiter = new PeerAndAddressLimiter(this.limits.fetchRate, this.limits.fetchRatePerAddress, C.RATE_LIMITER_MAX_KEYS, this.now)
    this.prekeyLimiter = new PeerAndAddressLimiter(this.limits.prekeyRate, this.limits.prekeyRatePerAddress, C.RATE_LIMITER_MAX_KEYS, this.now)
    this.exemptAddresses = addressList(this.limits.addressLimitExempt)
    this.sessions = new StreamSlots({
      maxStreams: this.limits.maxStreams,
      maxStreamsPerAddress: this.limits.maxStreamsPerAddress,
      maxStreamsPerNetwork: this.limits.maxStreamsPerAddress * C.NETWORK_SLOT_FACTOR
    })
    const byteRate = this.limits.depositByteRatePerAddress
    this.depositBytes = byteRate == null ? undefined : new AddressByteRate(byteRate, C.RATE_LIMITER_MAX_KEYS, this.now)
    this.mailboxPrekeys = new RateLimiter(this.limits.mailboxPrekeyRate, C.RATE_LIMITER_MAX_KEYS, this.now)
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(MAILBOX_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      runOnLimitedConnection: false,
      maxInboundStreams: this.limits.maxStreamsPerConnection
    })
    this.started = true
    this.stopping = false
  }

  /** Stops taking requests, lets those in flight finish (up to `SHUTDOWN_GRACE_MS`), then aborts every stream. */
  async stop (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.started) return
    this.stopping = true
    await this.components.registrar.unhandle(MAILBOX_PROTOCOL)
    const grace = AbortSignal.any([options.signal ?? AbortSignal.timeout(C.SHUTDOWN_GRACE_MS), AbortSignal.timeout(C.SHUTDOWN_GRACE_MS)])
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => { grace.addEventListener('abort', resolve, { once: true }) })
    ])
    this.started = false
    for (const session of [...this.sessions]) session.stream.abort(new ParleyError('Relay stopping', MailboxErrorCode.SHUTTING_DOWN))
    this.sessions.clear()
    this.subscribers.clear()
  }

  /** Open mailbox streams. */
  get openStreams (): number { return this.sessions.size }

  /** Owners subscribed for pushes. */
  get subscriberCount (): number { return this.subscribers.size }

  /** Takes a token from the peer's and the address's bucket for `op`; throws RateLimitedError naming the one that ran dry. */
  private checkRate (limiter: PeerAndAddressLimiter, op: RateLimitedOp, session: MailboxSession): void {
    const scope = limiter.take(session.remote, session.address)
    if (scope == null) return
    this.metrics.inc('parley_relay_rate_limited_total', RATE_LIMITED_LABELS[op][scope])
    throw new RateLimitedError(`${RATE_LIMITED_WHAT[op]} rate limit exceeded for this ${SCOPE_WHAT[scope]}; slow down`)
  }

  private refuse (code: string, remote: string, fields: Record<string, string | number> = {}): void {
    this.metrics.inc('parley_relay_refusals_total', { reason: code })
    this.log.debug('refused', { code, ...fields, peer: remote })
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const session = new MailboxSession(stream, remote, addressKeys(connection.remoteAddr, this.exemptAddresses), this.limits.idleTimeoutMs)
    const admission = this.stopping ? undefined : this.sessions.admit(session)
    if (admission?.admitted !== true) {
      const code = admission == null ? MailboxErrorCode.SHUTTING_DOWN : MailboxErrorCode.TOO_MANY_STREAMS
      if (admission != null) this.metrics.inc('parley_relay_stream_refusals_total', SLOT_LABELS[admission.scope])
      this.refuse(code, remote)
      await session.write({ requestId: 0n, errorCode: code, errorMessage: admission == null ? 'Relay stopping' : BUSY_MESSAGE[admission.scope] }).catch(() => {})
      await stream.close({ signal: AbortSignal.timeout(1000) }).catch(() => { stream.abort(new ParleyError('busy', code)) })
      return
    }
    for (const { holder, scope } of admission.evicted) this.evict(holder, scope)
    const reader = new FrameReader(stream, {
      maxFrameBytes: Math.max(MAX_MAILBOX_REQUEST_BYTES, this.limits.maxEnvelopeBytes + 64 * 1024),
      maxQueuedFrames: 16,
      frameTimeoutMs: this.limits.frameTimeoutMs
    })
    try {
      while (!this.stopping) {
        const wait = this.idleWait(session)
        if (wait <= 0) {
          // a deposit still in flight may yet make the stream useful: let it settle, then look again
          if (session.active.size > 0) { await Promise.allSettled([...session.active]); continue }
          this.metrics.inc('parley_relay_idle_streams_closed_total', IDLE_LABELS[session.owner == null ? 'unauthenticated' : session.subscribed ? 'subscribed' : 'authenticated'])
          break
        }
        let frame: Uint8Array | null
        try {
          frame = await reader.next({ idleTimeoutMs: wait })
        } catch (err) {
          if (err instanceof IdleTimeoutError) continue
          throw err
        }
        if (frame == null || this.stopping) break
        session.lastFrameAt = performance.now()
        // deposits and prekey takes on one stream run concurrently (bounded); anything touching
        // the stream's auth state waits for them, so a session's state changes stay ordered
        const request = decodeOrError(frame)
        const concurrent = !(request instanceof Error) && (request.deposit != null || request.takePrekey != null) && request.authenticate == null && request.getChallenge == null
        if (concurrent) await session.belowLimit(C.MAX_CONCURRENT_PER_STREAM)
        else await Promise.allSettled([...session.active])
        const handling = this.respond(session, request)
        this.inFlight.add(handling)
        const done = session.track(handling).finally(() => { this.inFlight.delete(handling) })
        if (!concurrent) await done
        else done.catch((err) => { session.stream.abort(err instanceof Error ? err : new Error(String(err))) })
      }
      await Promise.allSettled([...session.active])
      await stream.close({ signal: AbortSignal.timeout(1000) }).catch(() => {})
    } catch (err) {
      if (this.started && !this.stopping && !session.evicted) {
        const code = err instanceof ParleyError ? err.code : MailboxErrorCode.INTERNAL
        this.refuse(code, remote)
        if (!(err instanceof ParleyError)) this.log.warn('mailbox stream failed', { error: (err as Error).message })
        // best effort: tell the peer why before dropping the stream
        try { if (stream.status === 'open' && stream.writeStatus === 'writable') stream.send(encodeFrame(MailboxResponse.encode({ requestId: 0n, errorCode: code, errorMessage: (err as Error).message }))) } catch {}
        stream.abort(err instanceof Error ? err : new FrameTimeoutError())
      }
    } finally {
      this.sessions.release(session)
      this.unsubscribe(session)
    }
  }

  /**
   * Milliseconds until `session` counts as idle: since its last frame for an authenticated
   * stream; for an unauthenticated one also since it opened or last deposited (`get_challenge`
   * and refused requests do not extend that).
   */
  private idleWait (session: MailboxSession): number {
    const now = performance.now()
    const sinceFrame = session.lastFrameAt + (session.subscribed ? this.limits.subscribeIdleTimeoutMs : this.limits.idleTimeoutMs) - now
    if (session.owner != null) return sinceFrame
    return Math.min(sinceFrame, session.lastUsefulAt + this.limits.unauthenticatedIdleTimeoutMs - now)
  }

  /** Closes an idle unauthenticated stream whose slot went to a newcomer (StreamSlots released it already). */
  private evict (session: MailboxSession, scope: SlotScope): void {
    session.evicted = true
    this.metrics.inc('parley_relay_stream_evictions_total', SLOT_LABELS[scope])
    this.log.debug('stream evicted', { code: MailboxErrorCode.TOO_MANY_STREAMS, scope, peer: session.remote })
    const code = MailboxErrorCode.TOO_MANY_STREAMS
    // best effort: say why before dropping it; the client opens a new stream when it needs one
    try {
      if (session.stream.writeStatus === 'writable') session.stream.send(encodeFrame(MailboxResponse.encode({ requestId: 0n, errorCode: code, errorMessage: 'Idle stream closed to make room' })))
    } catch (err) {
      this.log.debug('eviction notice not sent', { error: (err as Error).message })
    }
    session.stream.abort(new ParleyError('Idle stream closed to make room', code))
  }

  private unsubscribe (session: MailboxSession): void {
    if (!session.subscribed || session.owner == null) return
    const set = this.subscribers.get(session.owner.mailbox)
    set?.delete(session)
    if (set?.size === 0) this.subscribers.delete(session.owner.mailbox)
    session.subscribed = false
  }

  private async respond (session: MailboxSession, request: MailboxRequest | MalformedFrameError): Promise<void> {
    const response = await this.handleRequest(session, request)
    // what keeps an unauthenticated stream open: a deposit or prekey take the relay accepted
    if (response.errorCode === '' && !(request instanceof Error) && (request.deposit != null || request.takePrekey != null)) session.lastUsefulAt = performance.now()
    await session.write(response)
  }

  /** One request → one response; refusals become error responses, the stream stays usable. */
  private async handleRequest (session: MailboxSession, request: MailboxRequest | MalformedFrameError): Promise<MailboxResponse> {
    let requestId = 0n
    try {
      if (request instanceof Error) throw request
      requestId = request.requestId
      const response = await this.dispatch(session, request)
      return { requestId, errorCode: '', errorMessage: '', ...response }
    } catch (err) {
      if (err instanceof RelayRefusal || err instanceof MalformedFrameError) {
        const code = err instanceof MalformedFrameError ? MailboxErrorCode.MALFORMED_REQUEST : err.code
        this.refuse(code, session.remote)
        return { requestId, errorCode: code, errorMessage: err.message.slice(0, 200) }
      }
      this.refuse(MailboxErrorCode.INTERNAL, session.remote)
      this.log.error('mailbox request failed', { error: (err as Error).message })
      return { requestId, errorCode: MailboxErrorCode.INTERNAL, errorMessage: 'Internal error' }
    }
  }

  private async dispatch (session: MailboxSession, request: MailboxRequest): Promise<Partial<MailboxResponse>> {
    const kinds = [request.deposit, request.getChallenge, request.authenticate, request.fetch, request.ack, request.subscribe, request.uploadPrekeys, request.takePrekey]
    if (kinds.filter((k) => k != null).length !== 1) throw new MalformedFrameError('A request carries exactly one operation')
    if (request.deposit != null) return this.deposit(session, request.deposit)
    if (request.takePrekey != null) return this.takePrekey(session, request.takePrekey)
    this.checkRate(this.fetchLimiter, 'owner', session)
    if (request.getChallenge != null) {
      const challenge = this.auth.challenge()
      session.pending = { nonce: challenge.nonce, timestamp: challenge.timestamp }
      return { challenge: challenge.response }
    }
    if (request.authenticate != null) return this.authenticate(session, request.authenticate)
    const owner = session.owner
    if (owner == null) throw new AuthRequiredError()
    if (request.fetch != null) return this.fetch(owner, request.fetch)
    if (request.ack != null) {
      const ids = request.ack.ids.filter((id) => id.length === 16).map(hex)
      const deleted = await this.store.ack(owner.mailbox, ids)
      this.metrics.inc('parley_relay_acked_envelopes_total', {}, deleted)
      return { acked: { deleted } }
    }
    if (request.subscribe != null) {
      if (!session.subscribed) {
        let set = this.subscribers.get(owner.mailbox)
        if (set == null) { set = new Set(); this.subscribers.set(owner.mailbox, set) }
        set.add(session)
        session.subscribed = true
      }
      return { subscribed: {} }
    }
    if (request.uploadPrekeys != null) return this.uploadPrekeys(owner, request.uploadPrekeys)
    throw new MalformedFrameError('Unknown operation')
  }

  private async authenticate (session: MailboxSession, auth: MailboxRequest.Authenticate): Promise<Partial<MailboxResponse>> {
    const pending = session.pending
    session.pending = undefined
    try {
      const owner = await this.auth.verify(pending, auth)
      this.unsubscribe(session)
      session.owner = owner
      this.metrics.inc('parley_relay_auth_total', { result: 'ok' })
      return { authenticated: { storedEnvelopes: this.store.count(owner.mailbox), oneTimePrekeys: this.store.prekeyCount(owner.mailbox) } }
    } catch (err) {
      this.metrics.inc('parley_relay_auth_total', { result: 'refused' })
      throw err
    }
  }

  private async deposit (session: MailboxSession, deposit: MailboxRequest.Deposit): Promise<Partial<MailboxResponse>> {
    this.checkRate(this.depositLimiter, 'deposit', session)
    const bytes = deposit.envelope
    if (bytes.length > this.limits.maxEnvelopeBytes) throw new EnvelopeTooLargeError(`Envelope of ${bytes.length} bytes exceeds ${this.limits.maxEnvelopeBytes}`)
    const byteScope = this.depositBytes?.take(session.address, bytes.length)
    if (byteScope != null) {
      this.metrics.inc('parley_relay_rate_limited_total', DEPOSIT_BYTES_LABELS[byteScope])
      throw new RateLimitedError(`Deposited bytes exceed the rate for this ${byteScope === 'address' ? 'network address' : 'IPv6 /48 network'}; slow down`)
    }
    const envelope = decodeEnvelope(bytes)
    const now = this.now()
    const own = Number(envelope.expiresAt)
    if (own !== 0 && own <= now) throw new RelayRefusal(MailboxErrorCode.ENVELOPE_EXPIRED, 'Envelope already expired')
    const secret = (envelope.flags & C.SECRET_FLAG) !== 0
    let expiresAt = now + this.limits.retentionMs
    if (own !== 0) expiresAt = Math.min(expiresAt, own)
    if (secret) expiresAt = Math.min(expiresAt, now + this.limits.secretMaxMs)
    const mailbox = hex(envelope.recipientDevice)
    // junk to random device keys lands in mailboxes no owner has authenticated: kept briefly
    if (!this.store.isOwned(mailbox)) expiresAt = Math.min(expiresAt, now + this.limits.unownedRetentionMs)
    const id = hex(envelope.id)
    session.depositor ??= this.store.depositorTag(session.address)
    let result: { duplicate: boolean }
    try {
      result = await this.store.deposit({ mailbox, id, bytes, expiresAt, secret, now, depositor: session.depositor })
    } catch (err) {
      if (err instanceof QuotaExceededError && err.quota != null) this.metrics.inc('parley_relay_quota_refusals_total', quotaRefusalLabels(err.quota))
      throw err
    }
    this.metrics.inc('parley_relay_deposits_total', result.duplicate ? DUPLICATE : STORED)
    if (!result.duplicate) this.push(mailbox, bytes, id, secret)
    return { deposited: { duplicate: result.duplicate } }
  }

  /** Pushes a new envelope to the owner's subscribed streams; a secret one is then deleted (first fetch). */
  private push (mailbox: string, bytes: Uint8Array, id: string, secret: boolean): void {
    const set = this.subscribers.get(mailbox)
    if (set == null || set.size === 0) return
    const writes: Array<Promise<void>> = []
    for (const session of set) {
      if (session.queuedPushes >= C.MAX_QUEUED_PUSHES) {
        // a subscriber that does not read is dropped; it re-subscribes and fetches
        this.refuse('ERR_SLOW_SUBSCRIBER', session.remote)
        this.unsubscribe(session)
        session.stream.abort(new ParleyError('Subscriber too slow', 'ERR_SLOW_SUBSCRIBER'))
        continue
      }
      session.queuedPushes++
      writes.push(session.write({ requestId: 0n, errorCode: '', errorMessage: '', page: { envelopes: [bytes], cursor: new Uint8Array(0), more: false } })
        .finally(() => { session.queuedPushes-- }))
    }
    this.metrics.inc('parley_relay_fetched_envelopes_total', {}, writes.length)
    if (secret && writes.length > 0) {
      const done = Promise.allSettled(writes).then(async () => this.store.ack(mailbox, [id])).catch(() => {})
      this.inFlight.add(done)
      void done.finally(() => this.inFlight.delete(done))
    }
  }

  private async fetch (owner: AuthenticatedOwner, fetch: MailboxRequest.Fetch): Promise<Partial<MailboxResponse>> {
    const cursor = new TextDecoder().decode(fetch.cursor)
    if (cursor !== '' && !CURSOR_RE.test(cursor)) throw new MalformedFrameError('Bad cursor')
    const limit = Math.max(1, Math.min(fetch.limit === 0 ? C.DEFAULT_FETCH_PAGE : fetch.limit, C.MAX_FETCH_PAGE))
    const page = await this.store.fetch(owner.mailbox, cursor, limit, C.MAX_FETCH_PAGE_BYTES, this.now())
    this.metrics.inc('parley_relay_fetches_total')
    this.metrics.inc('parley_relay_fetched_envelopes_total', {}, page.envelopes.length)
    return { page: { envelopes: page.envelopes, cursor: new TextEncoder().encode(page.cursor), more: page.more } }
  }

  private async uploadPrekeys (owner: AuthenticatedOwner, upload: MailboxRequest.UploadPrekeys): Promise<Partial<MailboxResponse>> {
    const all = [...upload.oneTime, ...upload.lastResort]
    if (all.some((p) => p.blob.length === 0 || p.blob.length > MAX_PREKEY_BLOB_BYTES)) throw new MalformedFrameError(`Prekey blobs must be 1..${MAX_PREKEY_BLOB_BYTES} bytes`)
    if (new Set(upload.lastResort.map((p) => p.kind)).size !== upload.lastResort.length) throw new MalformedFrameError('At most one last-resort key per kind')
    const count = await this.store.putPrekeys(owner.mailbox, upload.oneTime, upload.lastResort, upload.replace)
    return { prekeysStored: { oneTimePrekeys: count } }
  }

  private async takePrekey (session: MailboxSession, take: MailboxRequest.TakePrekey): Promise<Partial<MailboxResponse>> {
    this.checkRate(this.prekeyLimiter, 'prekey', session)
    if (take.deviceKey.length !== 32) throw new MalformedFrameError('Device key must be 32 bytes')
    const mailbox = hex(take.deviceKey)
    // past the mailbox's one-time budget (all takers together) a take gets last-resort keys only
    const oneTime = this.store.prekeyCount(mailbox) === 0 || this.mailboxPrekeys.take(mailbox)
    if (!oneTime) this.metrics.inc('parley_relay_rate_limited_total', PREKEY_MAILBOX_LABELS)
    const taken = await this.store.takePrekeys(mailbox, { oneTime })
    if (taken.length === 0 && !oneTime) throw new RateLimitedError('One-time prekeys of this device are being taken too fast, and it has no last-resort key; try later')
    if (taken.length === 0) throw new RelayRefusal(MailboxErrorCode.NO_PREKEY, 'No prekeys held for this device')
    for (const t of taken) this.metrics.inc('parley_relay_prekeys_taken_total', { type: t.lastResort ? 'last_resort' : 'one_time' })
    return { prekeyBundle: { prekeys: taken.map((t) => t.prekey), lastResort: taken.map((t) => t.lastResort) } }
  }
}

/**
 * js-libp2p-style factory for {@link MailboxServer}.
 *
 * @example
 * ```ts
 * const server = mailboxServer({ store, metrics })({ registrar: libp2p, peerId: libp2p.peerId })
 * await server.start()
 * ```
 */
export function mailboxServer (init: MailboxServerInit): (components: MailboxServerComponents) => MailboxServer {
  return (components) => new MailboxServer(components, init)
}
