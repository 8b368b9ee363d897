import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { isMultiaddr, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { equalBytes } from '@noble/ciphers/utils.js'
import type { Signer } from '../crypto/index.js'
import { ParleyError } from '../errors.js'
import { decodeEnvelope, Envelope } from './envelope-codec.js'
import { MalformedFrameError, StreamClosedError } from './errors.js'
import { FrameReader, encodeFrame } from './frame-reader.js'
import { CoalescingFrameWriter } from './frame-writer.js'
import {
  MAILBOX_PROTOCOL, MAX_MAILBOX_RESPONSE_BYTES, MailboxPrekey, MailboxRequest, MailboxResponse,
  decodeMailboxResponse, signMailboxChallenge, signMailboxChallengeWith
} from './mailbox-codec.js'
import { MailboxRefusedError, RelayUnreachableError } from './mailbox-errors.js'
import { toHex as hex } from '../bytes.js'

export { MailboxPrekey }

/** The signed answer to a relay's challenge, through the owner's signer or key. */
async function answerChallenge (challenge: MailboxResponse.Challenge, owner: MailboxOwnerCredentials, limit: { signal?: AbortSignal }): Promise<MailboxRequest.Authenticate> {
  const device = owner.device
  if ('sign' in device) return await signMailboxChallengeWith(challenge, device, owner.accountRecord, { signal: limit.signal })
  return signMailboxChallenge(challenge, device, owner.accountRecord)
}

/** A relay: its PeerId (dialled through the peer store / peer routing) or a multiaddr ending in `/p2p/<id>`. */
export type RelayTarget = PeerId | Multiaddr | string

/**
 * What proves mailbox ownership: the device's Ed25519 key (preferably a {@link Signer}, so the
 * secret never leaves `device/`) and the account's signed record listing it.
 */
export interface MailboxOwnerCredentials {
  device: Signer | { secretKey: Uint8Array, publicKey: Uint8Array }
  /** SignedAccountRecord bytes; the relay checks it lists `device.publicKey`. */
  accountRecord: Uint8Array
}

export interface DepositReceipt {
  /** True when the relay already held an envelope with this id. */
  duplicate: boolean
}

/** Outcome at one relay of a fan-out; never thrown. */
export type RelayOutcome<T> =
  | { relay: RelayTarget, ok: true, value: T }
  | { relay: RelayTarget, ok: false, error: ParleyError }

export interface FetchedPage {
  envelopes: Envelope[]
  /** Pass back to get the next page. */
  cursor: Uint8Array
  more: boolean
}

export interface HandedPrekey {
  id: number
  kind: MailboxPrekey.Kind
  blob: Uint8Array
  /** True for the last-resort key (the one-time pool of this kind was empty). */
  lastResort: boolean
}

export interface PrekeyUpload {
  oneTime: MailboxPrekey[]
  /** At most one per kind. */
  lastResort?: MailboxPrekey[]
  /** Drop one-time keys held before. @default false */
  replace?: boolean
}

export interface MailboxSubscription {
  /** Ends the subscription (closes its stream). */
  close: () => void
  /** Resolves when the subscription ends (closed, relay gone, or signal). */
  readonly closed: Promise<void>
}

export interface MailboxClientInit {
  /** Requests pipelined on one stream. @default 64 */
  maxInFlight?: number
  /** Default per-call time limit when the caller gives no signal. @default 15000 */
  requestTimeoutMs?: number
  /** Time allowed to dial and open a stream. @default 10000 */
  dialTimeoutMs?: number
  /** Largest response frame accepted. @default MAX_MAILBOX_RESPONSE_BYTES */
  maxResponseBytes?: number
}

/**
 * How long a call may take, all its requests together: until the caller's signal aborts, or
 * else until `deadline` (ms since the epoch: now + the client's `requestTimeoutMs`).
 */
interface CallLimit {
  signal?: AbortSignal
  deadline?: number
}

interface Pending {
  resolve: (response: MailboxResponse) => void
  reject: (err: Error) => void
}

/** One `/parley/mailbox/1.0.0` stream: requests matched to responses by id; pushes to `onPush`. */
class MailboxChannel {
  private readonly reader: FrameReader
  private readonly pending = new Map<bigint, Pending>()
  private nextId = 1n
  private failure: Error | undefined
  private readonly closedResolvers: Array<() => void> = []
  onPush: ((envelopes: Uint8Array[]) => void) | undefined
  authenticated = false

  private readonly writer: CoalescingFrameWriter

  constructor (readonly stream: Stream, readonly remotePeer: PeerId, private readonly maxInFlight: number, maxResponseBytes: number, writeTimeoutMs: number) {
    this.writer = new CoalescingFrameWriter(stream, { writeTimeoutMs })
    this.reader = new FrameReader(stream, { maxFrameBytes: maxResponseBytes, maxQueuedFrames: 32 })
    void this.readLoop()
  }

  get failed (): boolean {
    return this.failure != null || this.stream.status !== 'open'
  }

  /** Resolves when the channel fails or is closed. */
  whenClosed (): Promise<void> {
    if (this.failure != null) return Promise.resolve()
    return new Promise((resolve) => { this.closedResolvers.push(resolve) })
  }

  fail (err: Error): void {
    if (this.failure != null) return
    this.failure = err
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
    for (const resolve of this.closedResolvers.splice(0)) resolve()
    if (this.stream.status === 'open') this.stream.abort(err)
  }

  private async readLoop (): Promise<void> {
    try {
      while (true) {
        const frame = await this.reader.next()
        if (frame == null) throw new StreamClosedError('Relay closed the mailbox stream')
        const response = decodeMailboxResponse(frame)
        if (response.requestId === 0n) {
          if (response.errorCode !== '') throw new MailboxRefusedError(`Relay dropped the stream: ${response.errorMessage}`, response.errorCode)
          if (response.page != null) this.onPush?.(response.page.envelopes)
          continue
        }
        const waiter = this.pending.get(response.requestId)
        if (waiter == null) continue // answered after its caller gave up
        this.pending.delete(response.requestId)
        waiter.resolve(response)
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new StreamClosedError())
    }
  }

  /**
   * Sends one request and waits for its response, until `limit.signal` aborts or, without one,
   * `limit.deadline` passes (a plain timer, cleared with the answer: thousands of requests per
   * second must not each leave an `AbortSignal.timeout` alive for the whole limit).
   */
  async request (body: Omit<MailboxRequest, 'requestId'>, limit: CallLimit): Promise<MailboxResponse> {
    if (this.failure != null) throw this.failure
    if (this.pending.size >= this.maxInFlight) throw new ParleyError('Too many mailbox requests in flight', 'ERR_TOO_MANY_REQUESTS')
    const { signal, deadline } = limit
    signal?.throwIfAborted()
    const remainingMs = signal == null && deadline !== undefined ? deadline - Date.now() : undefined
    if (remainingMs !== undefined && remainingMs <= 0) throw new RelayUnreachableError('Timed out waiting for the relay')
    const requestId = this.nextId++
    const answer = new Promise<MailboxResponse>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
      const onAbort = (): void => { settle(); this.pending.delete(requestId); reject(new RelayUnreachableError('Timed out waiting for the relay')) }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (remainingMs !== undefined) timer = setTimeout(onAbort, remainingMs)
      this.pending.set(requestId, {
        resolve: (r) => { settle(); resolve(r) },
        reject: (e) => { settle(); reject(e) }
      })
    })
    // requests made in the same turn (a burst of deposits) leave in one stream write
    this.writer.write(encodeFrame(MailboxRequest.encode({ requestId, ...body }))).catch((err: Error) => { this.fail(err) })
    const response = await answer
    if (response.errorCode !== '') throw new MailboxRefusedError(response.errorMessage || response.errorCode, response.errorCode)
    return response
  }

  close (): void {
    this.fail(new StreamClosedError('Channel closed'))
  }
}

type Dialer = Pick<Libp2p, 'dial'>

/** Keys of relays given as strings, so that a busy sender parses each address once (bounded). */
const stringRelayKeys = new Map<string, string>()
const MAX_CACHED_RELAY_KEYS = 256

function relayKey (relay: RelayTarget): string {
  if (typeof relay === 'string') {
    let key = stringRelayKeys.get(relay)
    if (key === undefined) {
      key = relayKey(multiaddr(relay))
      if (stringRelayKeys.size >= MAX_CACHED_RELAY_KEYS) stringRelayKeys.clear()
      stringRelayKeys.set(relay, key)
    }
    return key
  }
  if (isMultiaddr(relay)) return relay.getComponents().findLast((c) => c.name === 'p2p')?.value ?? relay.toString()
  return relay.toString()
}

function toParleyError (err: unknown): ParleyError {
  if (err instanceof ParleyError) return err
  return new RelayUnreachableError(`Relay unreachable: ${(err as Error).message}`, { cause: err })
}

/**
 * Client of relay mailboxes (`/parley/mailbox/1.0.0`): deposit for anyone, fetch/ack/subscribe
 * and prekey upload as the mailbox owner (answering the relay's signed challenge), one-time
 * prekey hand-out. One stream per relay for deposits and one per (relay, device) for the owner,
 * reused and re-opened when they die. Single-relay calls throw typed errors
 * ({@link MailboxRefusedError} with the relay's code, {@link RelayUnreachableError}); fan-out
 * calls return per-relay outcomes.
 *
 * Sealed sender: deposit over a libp2p node whose PeerId is not your device's (an ephemeral
 * one), or the relay learns who deposited. Pass that node as `dialer` of a deposit-only client.
 *
 * @example
 * ```ts
 * const client = new MailboxClient(node.libp2p)
 * await client.deposit(relayAddr, envelope)
 * const owner = { device: deviceKeyPair, accountRecord }
 * const page = await client.fetch(relayAddr, owner)
 * await client.ack(relayAddr, owner, page.envelopes.map((e) => e.id))
 * ```
 */
export class MailboxClient {
  private readonly dialer: Dialer
  private readonly init: Required<MailboxClientInit>
  private readonly channels = new Map<string, Promise<MailboxChannel>>()
  /** Channels of `channels` that are open and set up, for calls that need no await to find theirs. */
  private readonly ready = new Map<string, MailboxChannel>()
  private stopped = false

  constructor (dialer: Dialer, init: MailboxClientInit = {}) {
    this.dialer = dialer
    this.init = {
      maxInFlight: init.maxInFlight ?? 64,
      requestTimeoutMs: init.requestTimeoutMs ?? 15_000,
      dialTimeoutMs: init.dialTimeoutMs ?? 10_000,
      maxResponseBytes: init.maxResponseBytes ?? MAX_MAILBOX_RESPONSE_BYTES
    }
  }

  private limitOf (options: { signal?: AbortSignal }): CallLimit {
    return options.signal != null ? { signal: options.signal } : { deadline: Date.now() + this.init.requestTimeoutMs }
  }

  private async open (relay: RelayTarget, limit: CallLimit): Promise<MailboxChannel> {
    const dialTimeout = AbortSignal.timeout(Math.max(0, Math.min(this.init.dialTimeoutMs, (limit.deadline ?? Number.POSITIVE_INFINITY) - Date.now())))
    const dialSignal = limit.signal != null ? AbortSignal.any([limit.signal, dialTimeout]) : dialTimeout
    const target = typeof relay === 'string' ? multiaddr(relay) : relay
    let connection: Connection
    let stream: Stream
    try {
      connection = await this.dialer.dial(target, { signal: dialSignal })
      stream = await connection.newStream(MAILBOX_PROTOCOL, { signal: dialSignal, runOnLimitedConnection: false })
    } catch (err) {
      throw new RelayUnreachableError(`Could not open a mailbox stream: ${(err as Error).message}`, { cause: err })
    }
    return new MailboxChannel(stream, connection.remotePeer, this.init.maxInFlight, this.init.maxResponseBytes, this.init.requestTimeoutMs)
  }

  /** The cached channel under `key`, opened (and set up by `prepare`) when missing or dead. */
  private async channel (key: string, relay: RelayTarget, limit: CallLimit, prepare?: (c: MailboxChannel) => Promise<void>): Promise<MailboxChannel> {
    if (this.stopped) throw new StreamClosedError('Mailbox client stopped')
    const open = this.ready.get(key)
    if (open != null && !open.failed) return open
    this.ready.delete(key)
    const existing = this.channels.get(key)
    if (existing != null) {
      const channel = await existing.catch(() => undefined)
      if (channel != null && !channel.failed) return channel
      if (this.channels.get(key) === existing) this.channels.delete(key)
    }
    const opening = (async () => {
      const channel = await this.open(relay, limit)
      try {
        await prepare?.(channel)
      } catch (err) {
        channel.close()
        throw err
      }
      return channel
    })()
    this.channels.set(key, opening)
    opening.then((channel) => { if (this.channels.get(key) === opening) this.ready.set(key, channel) }, () => { if (this.channels.get(key) === opening) this.channels.delete(key) })
    return opening
  }

  private async ownerChannel (relay: RelayTarget, owner: MailboxOwnerCredentials, limit: CallLimit): Promise<MailboxChannel> {
    return this.channel(`owner:${relayKey(relay)}:${hex(owner.device.publicKey)}`, relay, limit, async (channel) => {
      const { challenge } = await channel.request({ getChallenge: {} }, limit)
      if (challenge == null) throw new MalformedFrameError('Relay sent no challenge')
      // never sign a challenge naming another relay: that would let this one act as us there
      if (!equalBytes(challenge.relayPeerId, channel.remotePeer.toMultihash().bytes)) {
        throw new MailboxRefusedError('Challenge names another relay', 'ERR_AUTH_FAILED')
      }
      await channel.request({ authenticate: await answerChallenge(challenge, owner, limit) }, limit)
      channel.authenticated = true
    })
  }

  /** Runs `op` on a channel; retries once on a fresh channel when the cached one had died under it. */
  private async withChannel<T> (get: () => Promise<MailboxChannel>, op: (c: MailboxChannel) => Promise<T>): Promise<T> {
    const channel = await get()
    try {
      return await op(channel)
    } catch (err) {
      if (err instanceof StreamClosedError && channel.failed) return op(await get())
      throw err
    }
  }

  /**
   * Deposits one envelope at one relay; resolves when the relay has stored it (or already held it).
   * Throws {@link MailboxRefusedError} (`ERR_ENVELOPE_TOO_LARGE`, `ERR_MAILBOX_FULL`, `ERR_RATE_LIMITED`…)
   * or {@link RelayUnreachableError}.
   */
  async deposit (relay: RelayTarget, envelope: Envelope, options: { signal?: AbortSignal } = {}): Promise<DepositReceipt> {
    const limit = this.limitOf(options)
    try {
      const bytes = Envelope.encode(envelope)
      const response = await this.withChannel(async () => this.channel(`deposit:${relayKey(relay)}`, relay, limit),
        async (c) => c.request({ deposit: { envelope: bytes } }, limit))
      return { duplicate: response.deposited?.duplicate ?? false }
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /**
   * Deposits one envelope at each relay, in parallel.
   *
   * @example
   * ```ts
   * const outcomes = await client.depositToAll(record.relays, envelope)
   * const stored = outcomes.filter((o) => o.ok).length
   * ```
   */
  async depositToAll (relays: RelayTarget[], envelope: Envelope, options: { signal?: AbortSignal } = {}): Promise<Array<RelayOutcome<DepositReceipt>>> {
    return Promise.all(relays.map(async (relay): Promise<RelayOutcome<DepositReceipt>> => {
      try {
        return { relay, ok: true, value: await this.deposit(relay, envelope, options) }
      } catch (err) {
        return { relay, ok: false, error: toParleyError(err) }
      }
    }))
  }

  /** One page of the owner's mailbox (authenticating first when needed). */
  async fetch (relay: RelayTarget, owner: MailboxOwnerCredentials, options: { signal?: AbortSignal, limit?: number, cursor?: Uint8Array } = {}): Promise<FetchedPage> {
    const limit = this.limitOf(options)
    try {
      const response = await this.withChannel(async () => this.ownerChannel(relay, owner, limit),
        async (c) => c.request({ fetch: { limit: options.limit ?? 0, cursor: options.cursor ?? new Uint8Array(0) } }, limit))
      const page = response.page ?? { envelopes: [], cursor: new Uint8Array(0), more: false }
      return { envelopes: page.envelopes.map((bytes) => decodeEnvelope(bytes)), cursor: page.cursor, more: page.more }
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /** Deletes envelopes by id from the owner's mailbox; returns how many the relay held. */
  async ack (relay: RelayTarget, owner: MailboxOwnerCredentials, ids: Uint8Array[], options: { signal?: AbortSignal } = {}): Promise<number> {
    const limit = this.limitOf(options)
    try {
      let deleted = 0
      for (let i = 0; i < ids.length; i += 256) {
        const chunk = ids.slice(i, i + 256)
        const response = await this.withChannel(async () => this.ownerChannel(relay, owner, limit),
          async (c) => c.request({ ack: { ids: chunk } }, limit))
        deleted += response.acked?.deleted ?? 0
      }
      return deleted
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /**
   * Fetches every page, hands each envelope to `onEnvelope` (await it: persist there) and acks
   * what was handled, page by page. An envelope for which `onEnvelope` resolves `false` is not
   * acked (the relay keeps it) and the drain goes on past it. Returns how many envelopes were acked.
   *
   * @example
   * ```ts
   * await client.drain(relay, owner, async (envelope) => { await inbox.save(envelope) })
   * ```
   */
  async drain (relay: RelayTarget, owner: MailboxOwnerCredentials, onEnvelope: (envelope: Envelope) => Promise<boolean | void> | boolean | void, options: { signal?: AbortSignal, pageSize?: number } = {}): Promise<number> {
    let handled = 0
    let cursor: Uint8Array = new Uint8Array(0)
    while (true) {
      const page = await this.fetch(relay, owner, { signal: options.signal, limit: options.pageSize, cursor })
      const done: Uint8Array[] = []
      for (const envelope of page.envelopes) {
        if (await onEnvelope(envelope) !== false) done.push(envelope.id)
      }
      if (done.length > 0) await this.ack(relay, owner, done, options)
      handled += done.length
      cursor = page.cursor
      if (!page.more) return handled
    }
  }

  /**
   * Asks the relay to push new deposits for the owner's mailbox over a dedicated stream.
   * Pushed envelopes stay at the relay until acked (secret ones excepted). Subscribe first,
   * then `drain()` the backlog, and dedup by id: a deposit racing the subscription arrives both ways.
   */
  async subscribe (relay: RelayTarget, owner: MailboxOwnerCredentials, onEnvelope: (envelope: Envelope) => void, options: { signal?: AbortSignal } = {}): Promise<MailboxSubscription> {
    const limit = this.limitOf(options)
    const key = `subscribe:${relayKey(relay)}:${hex(owner.device.publicKey)}:${Math.random()}`
    try {
      const channel = await this.open(relay, limit)
      try {
        const { challenge } = await channel.request({ getChallenge: {} }, limit)
        if (challenge == null || !equalBytes(challenge.relayPeerId, channel.remotePeer.toMultihash().bytes)) throw new MailboxRefusedError('Bad challenge', 'ERR_AUTH_FAILED')
        await channel.request({ authenticate: await answerChallenge(challenge, owner, limit) }, limit)
        channel.onPush = (envelopes) => {
          for (const bytes of envelopes) {
            try { onEnvelope(decodeEnvelope(bytes)) } catch { /* a malformed push is ignored */ }
          }
        }
        await channel.request({ subscribe: {} }, limit)
      } catch (err) {
        channel.close()
        throw err
      }
      const entry = Promise.resolve(channel)
      this.channels.set(key, entry)
      const closed = channel.whenClosed().then(() => { if (this.channels.get(key) === entry) this.channels.delete(key) })
      options.signal?.addEventListener('abort', () => { channel.close() }, { once: true })
      return { close: () => { channel.close() }, closed }
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /** Uploads one-time prekeys (and last-resort keys) as the owner; returns the one-time keys now held. */
  async uploadPrekeys (relay: RelayTarget, owner: MailboxOwnerCredentials, upload: PrekeyUpload, options: { signal?: AbortSignal } = {}): Promise<number> {
    const limit = this.limitOf(options)
    try {
      const response = await this.withChannel(async () => this.ownerChannel(relay, owner, limit), async (c) => c.request({
        uploadPrekeys: { oneTime: upload.oneTime, lastResort: upload.lastResort ?? [], replace: upload.replace ?? false }
      }, limit))
      return response.prekeysStored?.oneTimePrekeys ?? 0
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /**
   * Takes one prekey bundle for a device: per kind, a one-time key (never handed out again) or
   * the last-resort key. Throws `ERR_NO_PREKEY` when the relay holds none.
   */
  async takePrekey (relay: RelayTarget, deviceKey: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<HandedPrekey[]> {
    const limit = this.limitOf(options)
    try {
      const response = await this.withChannel(async () => this.channel(`deposit:${relayKey(relay)}`, relay, limit),
        async (c) => c.request({ takePrekey: { deviceKey } }, limit))
      const bundle = response.prekeyBundle ?? { prekeys: [], lastResort: [] }
      return bundle.prekeys.map((p, i) => ({ id: p.id, kind: p.kind, blob: p.blob, lastResort: bundle.lastResort[i] ?? false }))
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /** Closes every stream; calls in flight fail with {@link StreamClosedError}. */
  async stop (): Promise<void> {
    this.stopped = true
    const channels = [...this.channels.values()]
    this.channels.clear()
    this.ready.clear()
    for (const opening of channels) {
      try { (await opening).close() } catch { /* never opened */ }
    }
  }
}

/** PeerId named by a relay target (for logs and outcome matching). */
export function relayPeerId (relay: RelayTarget): PeerId | undefined {
  const key = relayKey(relay)
  try { return peerIdFromString(key) } catch { return undefined }
}
