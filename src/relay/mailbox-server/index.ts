import type { BlockList } from 'node:net'
import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import { ParleyError } from '../../errors.js'
import { FrameTimeoutError, IdleTimeoutError, MalformedFrameError } from '../../net/errors.js'
import { FrameReader, encodeFrame } from '../../net/stream/frame-reader.js'
import { MAILBOX_PROTOCOL, MAX_MAILBOX_REQUEST_BYTES, MailboxErrorCode, MailboxRequest, MailboxResponse, decodeMailboxRequest } from '../../net/mailbox-codec.js'
import { MailboxAuthenticator } from '../auth.js'
import { AddressByteRate } from '../byte-shares.js'
import { defaultMailboxLimits, type MailboxLimits } from '../config/limits.js'
import * as C from '../constants.js'
import { RateLimitedError, RelayRefusal } from '../errors.js'
import { errorText, logWarn } from '../logger.js'
import type { MailboxStorage } from '../mailbox-store/index.js'
import type { RelayMetrics } from '../metrics.js'
import { PeerAndAddressLimiter } from '../../net/rate-limiter.js'
import { addressKeys, addressList } from '../../net/remote-address.js'
import { StreamSlots, type SlotScope } from '../stream-slots.js'
import { HANDLERS, dispatch, type HandlerContext } from './handlers/index.js'
import { BUSY_MESSAGE, IDLE_LABELS, RATE_LIMITED_LABELS, RATE_LIMITED_WHAT, SCOPE_WHAT, SLOT_LABELS, type RateLimitedOp } from './labels.js'
import { MailboxSession } from './session.js'
import { Subscribers } from './subscribers.js'

export { defaultMailboxLimits, type MailboxLimits } from '../config/limits.js'
export { HANDLERS }

export interface MailboxServerInit {
  store: MailboxStorage
  metrics: RelayMetrics
  /** @default defaultMailboxLimits() */
  limits?: Partial<MailboxLimits>
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

export interface MailboxServerComponents {
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  peerId: PeerId
  logger: ComponentLogger
}

function decodeOrError (frame: Uint8Array): MailboxRequest | MalformedFrameError {
  try {
    return decodeMailboxRequest(frame)
  } catch (err) {
    return err instanceof MalformedFrameError ? err : new MalformedFrameError((err as Error).message)
  }
}

/**
 * Serves `/parley/mailbox/1.0.0` on a relay: deposits from anyone, fetch/ack/subscribe and
 * prekey upload for the mailbox owner (signed challenge), one-time prekey hand-out for anyone.
 * Every refusal is answered with a stable code; framing errors close only the offending stream.
 * Requests go to a handler per operation (`handlers/`). A libp2p service: registered in the
 * relay's `services`, libp2p starts it, and stops it in two steps (`beforeStop` lets requests in
 * flight finish while connections are still up, `stop` aborts the streams).
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ services: { mailbox: mailboxServer({ store, metrics }) }, … })
 * // …
 * await libp2p.stop() // finishes requests in flight, then aborts the streams
 * ```
 */
export class MailboxServer implements Startable {
  readonly [Symbol.toStringTag] = '@parley/mailbox-server'
  private readonly components: MailboxServerComponents
  private readonly store: MailboxStorage
  private readonly metrics: RelayMetrics
  private readonly limits: MailboxLimits
  private readonly log: Logger
  private readonly context: HandlerContext
  /** Remote addresses the per-address limits skip (a local TLS proxy). */
  private readonly exemptAddresses: BlockList
  private readonly sessions: StreamSlots<MailboxSession>
  private readonly subscribers: Subscribers
  private readonly inFlight = new Set<Promise<unknown>>()
  private shutdown = new AbortController()
  private started = false
  private stopping = false
  private draining: Promise<void> | undefined
  /** Stops the pushes of envelopes deposited through other processes of a fleet. */
  private unsubscribeRemote: (() => void) | undefined

  constructor (components: MailboxServerComponents, init: MailboxServerInit) {
    this.components = components
    this.store = init.store
    this.metrics = init.metrics
    this.limits = { ...defaultMailboxLimits(), ...init.limits }
    this.log = components.logger.forComponent('parley:relay:mailbox')
    const now = init.now ?? Date.now
    this.exemptAddresses = addressList(this.limits.addressLimitExempt)
    this.sessions = new StreamSlots({
      maxStreams: this.limits.maxStreams,
      maxStreamsPerAddress: this.limits.maxStreamsPerAddress,
      maxStreamsPerNetwork: this.limits.maxStreamsPerAddress * C.NETWORK_SLOT_FACTOR
    })
    this.subscribers = new Subscribers({
      store: this.store,
      metrics: this.metrics,
      log: this.log,
      refuse: (code, remote) => { this.refuse(code, remote) },
      track: (work) => { this.inFlight.add(work); void work.finally(() => this.inFlight.delete(work)) }
    })
    const byteRate = this.limits.depositByteRatePerAddress
    this.context = {
      store: this.store,
      metrics: this.metrics,
      limits: this.limits,
      auth: new MailboxAuthenticator(components.peerId.toMultihash().bytes, init.store, now),
      subscribers: this.subscribers,
      now,
      depositLimiter: new PeerAndAddressLimiter(this.limits.depositRate, this.limits.depositRatePerAddress, C.RATE_LIMITER_MAX_KEYS, now),
      fetchLimiter: new PeerAndAddressLimiter(this.limits.fetchRate, this.limits.fetchRatePerAddress, C.RATE_LIMITER_MAX_KEYS, now),
      prekeyLimiter: new PeerAndAddressLimiter(this.limits.prekeyRate, this.limits.prekeyRatePerAddress, C.RATE_LIMITER_MAX_KEYS, now),
      depositBytes: byteRate == null ? undefined : new AddressByteRate(byteRate, C.RATE_LIMITER_MAX_KEYS, now),
      ownedMailboxRate: this.limits.ownedMailboxRatePerAddress == null ? undefined : new AddressByteRate(this.limits.ownedMailboxRatePerAddress, C.RATE_LIMITER_MAX_KEYS, now),
      checkRate: (limiter, op, session) => { this.checkRate(limiter, op, session) }
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    await this.components.registrar.handle(MAILBOX_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      runOnLimitedConnection: false,
      maxInboundStreams: this.limits.maxStreamsPerConnection
    })
    // a fleet's relay processes share the database: an envelope deposited through another one is
    // pushed to this one's subscribers too (read only for mailboxes subscribed here)
    this.unsubscribeRemote = this.store.onRemoteDeposit((d) => { this.subscribers.push(d.mailbox, d.bytes, d.id, d.secret) }, (mailbox) => this.subscribers.has(mailbox), () => this.subscribers.mailboxes())
    this.started = true
    this.stopping = false
    this.draining = undefined
  }

  /**
   * Stops taking requests and lets those in flight finish, until `options.signal` aborts
   * (default: `SHUTDOWN_GRACE_MS`). libp2p calls it before stopping any service, so the
   * connections are still up.
   */
  async beforeStop (options: AbortOptions = {}): Promise<void> {
    if (!this.started) return
    this.draining ??= (async () => {
      this.stopping = true
      await this.components.registrar.unhandle(MAILBOX_PROTOCOL)
      const grace = options.signal ?? AbortSignal.timeout(C.SHUTDOWN_GRACE_MS)
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolve) => { grace.addEventListener('abort', resolve, { once: true }) })
      ])
    })()
    await this.draining
  }

  /** Stops taking requests, lets those in flight finish (see {@link beforeStop}), then aborts every stream. */
  async stop (options: AbortOptions = {}): Promise<void> {
    if (!this.started) return
    await this.beforeStop(options)
    this.started = false
    this.unsubscribeRemote?.()
    this.unsubscribeRemote = undefined
    this.shutdown.abort()
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
    this.log.trace('refused', { code, ...fields, peer: remote })
  }

  /** Closes a refused stream, or aborts it when its last frame does not leave in time. */
  private async close (stream: Stream, code: string): Promise<void> {
    await stream.close({ signal: AbortSignal.timeout(C.STREAM_CLOSE_TIMEOUT_MS) }).catch((err: unknown) => {
      this.log.trace('stream not closed cleanly; aborted', { error: errorText(err) })
      stream.abort(new ParleyError('busy', code))
    })
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const session = new MailboxSession(stream, remote, addressKeys(connection.remoteAddr, this.exemptAddresses), this.limits.idleTimeoutMs)
    const admission = this.stopping ? undefined : this.sessions.admit(session)
    if (admission?.admitted !== true) {
      const code = admission == null ? MailboxErrorCode.SHUTTING_DOWN : MailboxErrorCode.TOO_MANY_STREAMS
      if (admission != null) this.metrics.inc('parley_relay_stream_refusals_total', SLOT_LABELS[admission.scope])
      this.refuse(code, remote)
      await session.write({ requestId: 0n, errorCode: code, errorMessage: admission == null ? 'Relay stopping' : BUSY_MESSAGE[admission.scope] })
        .catch((err: unknown) => { this.log.trace('refusal not sent', { error: errorText(err) }) })
      await this.close(stream, code)
      return
    }
    for (const { holder, scope } of admission.evicted) this.evict(holder, scope)
    const reader = new FrameReader(stream, {
      maxFrameBytes: Math.max(MAX_MAILBOX_REQUEST_BYTES, this.limits.maxEnvelopeBytes + C.REQUEST_FRAME_SLACK_BYTES),
      maxQueuedFrames: C.MAX_QUEUED_REQUEST_FRAMES,
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
      await stream.close({ signal: AbortSignal.timeout(C.STREAM_CLOSE_TIMEOUT_MS) })
        .catch((err: unknown) => { this.log.trace('stream not closed cleanly', { error: errorText(err) }) })
    } catch (err) {
      if (this.started && !this.stopping && !session.evicted) {
        const code = err instanceof ParleyError ? err.code : MailboxErrorCode.INTERNAL
        this.refuse(code, remote)
        if (!(err instanceof ParleyError)) logWarn(this.log, 'mailbox stream failed', { error: errorText(err) })
        // best effort: tell the peer why before dropping the stream
        try {
          if (stream.status === 'open' && stream.writeStatus === 'writable') stream.send(encodeFrame(MailboxResponse.encode({ requestId: 0n, errorCode: code, errorMessage: errorText(err) })))
        } catch (sendErr) {
          this.log.trace('stream error not sent', { error: errorText(sendErr) })
        }
        stream.abort(err instanceof Error ? err : new FrameTimeoutError())
      }
    } finally {
      this.sessions.release(session)
      this.subscribers.remove(session)
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
    this.log.trace('stream evicted', { code: MailboxErrorCode.TOO_MANY_STREAMS, scope, peer: session.remote })
    const code = MailboxErrorCode.TOO_MANY_STREAMS
    // best effort: say why before dropping it; the client opens a new stream when it needs one
    try {
      if (session.stream.writeStatus === 'writable') session.stream.send(encodeFrame(MailboxResponse.encode({ requestId: 0n, errorCode: code, errorMessage: 'Idle stream closed to make room' })))
    } catch (err) {
      this.log.trace('eviction notice not sent', { error: errorText(err) })
    }
    session.stream.abort(new ParleyError('Idle stream closed to make room', code))
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
      const response = await dispatch(this.context, session, request, { signal: this.shutdown.signal })
      return { requestId, errorCode: '', errorMessage: '', ...response }
    } catch (err) {
      if (err instanceof RelayRefusal || err instanceof MalformedFrameError) {
        const code = err instanceof MalformedFrameError ? MailboxErrorCode.MALFORMED_REQUEST : err.code
        this.refuse(code, session.remote)
        return { requestId, errorCode: code, errorMessage: err.message.slice(0, 200) }
      }
      if (this.shutdown.signal.aborted) {
        this.refuse(MailboxErrorCode.SHUTTING_DOWN, session.remote)
        return { requestId, errorCode: MailboxErrorCode.SHUTTING_DOWN, errorMessage: 'Relay stopping' }
      }
      this.refuse(MailboxErrorCode.INTERNAL, session.remote)
      this.log.error('mailbox request failed', { error: errorText(err) })
      return { requestId, errorCode: MailboxErrorCode.INTERNAL, errorMessage: 'Internal error' }
    }
  }
}

/**
 * js-libp2p-style factory for {@link MailboxServer}: register it in the relay's libp2p
 * `services`, and libp2p starts and stops it.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ services: { mailbox: mailboxServer({ store, metrics }) }, … })
 * ```
 */
export function mailboxServer (init: MailboxServerInit): (components: MailboxServerComponents) => MailboxServer {
  return (components) => new MailboxServer(components, init)
}
