import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex as hex } from '../bytes.js'
import { ErrorCode, ParleyError, hasCode } from '../errors.js'
import {
  DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_MAILBOX_MAX_IN_FLIGHT, DEFAULT_MAILBOX_REQUEST_TIMEOUT_MS, MAILBOX_ACK_CHUNK
} from './constants.js'
import { decodeEnvelope, Envelope } from './envelope-codec.js'
import { StreamClosedError } from './errors.js'
import { MailboxChannel, type CallLimit } from './mailbox-channel.js'
import { MAILBOX_PROTOCOL, MAX_MAILBOX_RESPONSE_BYTES, MailboxPrekey } from './mailbox-codec.js'
import { RelayUnreachableError } from './mailbox-errors.js'
import { relayKey, type RelayTarget } from './relay-target.js'
import { ChannelPool } from './stream/channel-pool.js'
import type {
  MailboxOwnerCredentials, DepositReceipt, RelayOutcome, FetchedPage, HandedPrekey, PrekeyUpload, DrainOptions,
  MailboxSubscription, MailboxClientInit
} from './mailbox-client-types.js'
import { authenticateOwner } from './mailbox-owner-auth.js'

export { relayPeerId, type RelayTarget } from './relay-target.js'
export type {
  MailboxOwnerCredentials, DepositReceipt, RelayOutcome, FetchedPage, HandedPrekey, PrekeyUpload, DrainOptions,
  MailboxSubscription, MailboxClientInit
} from './mailbox-client-types.js'

export { MailboxPrekey }

/** Handled envelopes a drain acks together at most. */
const DRAIN_ACK_BATCH = 20
/** Longest a handled envelope waits for its ack during a drain (ms). */
const DRAIN_ACK_INTERVAL_MS = 1000

/** What the client needs of libp2p: dialling a relay, and a logger. */
export type MailboxDialer = Pick<Libp2p, 'dial' | 'logger'>

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
  private readonly dialer: MailboxDialer
  private readonly init: Required<MailboxClientInit>
  private readonly channels: ChannelPool<MailboxChannel>
  private readonly log: Logger

  constructor (dialer: MailboxDialer, init: MailboxClientInit = {}) {
    this.dialer = dialer
    this.init = {
      maxInFlight: init.maxInFlight ?? DEFAULT_MAILBOX_MAX_IN_FLIGHT,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_MAILBOX_REQUEST_TIMEOUT_MS,
      dialTimeoutMs: init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      maxResponseBytes: init.maxResponseBytes ?? MAX_MAILBOX_RESPONSE_BYTES
    }
    this.log = dialer.logger.forComponent('parley:mailbox-client')
    this.channels = new ChannelPool(this.log, 'Mailbox client')
  }

  private limitOf (options: AbortOptions): CallLimit {
    return options.signal != null ? { signal: options.signal } : { deadline: Date.now() + this.init.requestTimeoutMs }
  }

  private async open (relay: RelayTarget, limit: CallLimit): Promise<MailboxChannel> {
    // the dial is bounded on its own (and by the call's deadline): an unreachable relay fails fast
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
    return new MailboxChannel(stream, connection.remotePeer, { maxInFlight: this.init.maxInFlight, maxResponseBytes: this.init.maxResponseBytes, writeTimeoutMs: this.init.requestTimeoutMs })
  }

  /** The pooled channel under `key`, opened (and set up by `prepare`) when missing or dead. */
  private async channel (key: string, relay: RelayTarget, limit: CallLimit, prepare?: (c: MailboxChannel) => Promise<void>): Promise<MailboxChannel> {
    return await this.channels.get(key, async () => {
      const channel = await this.open(relay, limit)
      try {
        await prepare?.(channel)
      } catch (err) {
        channel.close()
        throw err
      }
      return channel
    })
  }

  private async ownerChannel (relay: RelayTarget, owner: MailboxOwnerCredentials, limit: CallLimit): Promise<MailboxChannel> {
    return await this.channel(`owner:${relayKey(relay)}:${hex(owner.device.publicKey)}`, relay, limit, async (channel) => { await authenticateOwner(channel, owner, limit) })
  }

  /**
   * Runs `op` on a channel; retries once on a fresh channel when the cached one died under it:
   * closed, or evicted by the relay to make room (`ERR_TOO_MANY_STREAMS` on a channel the relay
   * had admitted; on a new one that code is a refusal, not retried).
   */
  private async withChannel<T> (get: () => Promise<MailboxChannel>, op: (c: MailboxChannel) => Promise<T>): Promise<T> {
    const channel = await get()
    const admitted = channel.responses > 0
    try {
      return await op(channel)
    } catch (err) {
      if (channel.failed && (err instanceof StreamClosedError || (admitted && hasCode(err, ErrorCode.TOO_MANY_STREAMS)))) return await op(await get())
      throw err
    }
  }

  /**
   * Deposits one envelope at one relay; resolves when the relay has stored it (or already held it).
   * Throws {@link MailboxRefusedError} (`ERR_ENVELOPE_TOO_LARGE`, `ERR_MAILBOX_FULL`, `ERR_RATE_LIMITED`…)
   * or {@link RelayUnreachableError}.
   */
  async deposit (relay: RelayTarget, envelope: Envelope, options: AbortOptions = {}): Promise<DepositReceipt> {
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
  async depositToAll (relays: RelayTarget[], envelope: Envelope, options: AbortOptions = {}): Promise<Array<RelayOutcome<DepositReceipt>>> {
    return Promise.all(relays.map(async (relay): Promise<RelayOutcome<DepositReceipt>> => {
      try {
        return { relay, ok: true, value: await this.deposit(relay, envelope, options) }
      } catch (err) {
        return { relay, ok: false, error: toParleyError(err) }
      }
    }))
  }

  /** One page of the owner's mailbox (authenticating first when needed). */
  async fetch (relay: RelayTarget, owner: MailboxOwnerCredentials, options: AbortOptions & { limit?: number, cursor?: Uint8Array } = {}): Promise<FetchedPage> {
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
  async ack (relay: RelayTarget, owner: MailboxOwnerCredentials, ids: Uint8Array[], options: AbortOptions = {}): Promise<number> {
    const limit = this.limitOf(options)
    try {
      let deleted = 0
      for (let i = 0; i < ids.length; i += MAILBOX_ACK_CHUNK) {
        const chunk = ids.slice(i, i + MAILBOX_ACK_CHUNK)
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
   * what was handled in small batches as it goes (every `ackBatch` envelopes, or once the oldest
   * unacked one waited `ackIntervalMs`, and at the end of each page). An envelope for which
   * `onEnvelope` resolves `false` is not acked (the relay keeps it) and the drain goes on past
   * it. Every fetch and ack has a time limit of its own (`requestTimeoutMs`), so a drain of slow
   * envelopes never runs out of time as a whole; `options.signal` only stops it. Returns how
   * many envelopes were acked.
   *
   * @example
   * ```ts
   * await client.drain(relay, owner, async (envelope) => { await inbox.save(envelope) })
   * ```
   */
  async drain (relay: RelayTarget, owner: MailboxOwnerCredentials, onEnvelope: (envelope: Envelope) => Promise<boolean | void> | boolean | void, options: AbortOptions & DrainOptions = {}): Promise<number> {
    const ackBatch = Math.max(1, options.ackBatch ?? DRAIN_ACK_BATCH)
    const ackIntervalMs = options.ackIntervalMs ?? DRAIN_ACK_INTERVAL_MS
    const request = (): AbortSignal => {
      const timeout = AbortSignal.timeout(this.init.requestTimeoutMs)
      return options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
    }
    let acked = 0
    let unacked: Uint8Array[] = []
    let oldestUnackedAt = 0
    const flush = async (): Promise<void> => {
      if (unacked.length === 0) return
      const ids = unacked
      unacked = []
      await this.ack(relay, owner, ids, { signal: request() })
      acked += ids.length
    }
    let cursor: Uint8Array = new Uint8Array(0)
    while (true) {
      const page = await this.fetch(relay, owner, { signal: request(), limit: options.pageSize, cursor })
      for (const envelope of page.envelopes) {
        options.signal?.throwIfAborted()
        if (await onEnvelope(envelope) !== false) {
          if (unacked.length === 0) oldestUnackedAt = Date.now()
          unacked.push(envelope.id)
        }
        if (unacked.length >= ackBatch || (unacked.length > 0 && Date.now() - oldestUnackedAt >= ackIntervalMs)) await flush()
      }
      await flush()
      cursor = page.cursor
      if (!page.more) return acked
    }
  }

  /**
   * Fetches every page and hands each whole page to `onPage` (persist it there, e.g. in one
   * store transaction); once `onPage` resolves, the envelopes it said `true` for are acked in
   * one request (the others stay at the relay, and the drain goes on past them). So an
   * envelope is acked only after the page that holds it was persisted: a crash in between
   * leaves it at the relay, to be delivered again. The next page is fetched while `onPage`
   * handles this one. Every fetch and ack has its own time limit (`requestTimeoutMs`);
   * `options.signal` only stops the drain. Returns how many envelopes were acked.
   *
   * @example
   * ```ts
   * await client.drainPages(relay, owner, async (envelopes) => inbox.savePage(envelopes))
   * ```
   */
  async drainPages (relay: RelayTarget, owner: MailboxOwnerCredentials, onPage: (envelopes: Envelope[]) => Promise<boolean[]>, options: AbortOptions & { pageSize?: number } = {}): Promise<number> {
    const request = (): AbortSignal => {
      const timeout = AbortSignal.timeout(this.init.requestTimeoutMs)
      return options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
    }
    const fetchPage = async (cursor: Uint8Array): Promise<FetchedPage> => this.fetch(relay, owner, { signal: request(), limit: options.pageSize, cursor })
    let acked = 0
    let page = await fetchPage(new Uint8Array(0))
    while (true) {
      // the next page is on its way while this one is handled (its rejection is read below)
      const next = page.more ? fetchPage(page.cursor) : undefined
      next?.catch(() => {})
      if (page.envelopes.length > 0) {
        options.signal?.throwIfAborted()
        const handled = await onPage(page.envelopes)
        const ids = page.envelopes.filter((_, i) => handled[i] === true).map((e) => e.id)
        if (ids.length > 0) {
          await this.ack(relay, owner, ids, { signal: request() })
          acked += ids.length
        }
      }
      if (next === undefined) return acked
      page = await next
    }
  }

  /**
   * Asks the relay to push new deposits for the owner's mailbox over a dedicated stream.
   * Pushed envelopes stay at the relay until acked (secret ones excepted). Subscribe first,
   * then `drain()` the backlog, and dedup by id: a deposit racing the subscription arrives both ways.
   */
  async subscribe (relay: RelayTarget, owner: MailboxOwnerCredentials, onEnvelope: (envelope: Envelope) => void, options: AbortOptions = {}): Promise<MailboxSubscription> {
    const limit = this.limitOf(options)
    const key = `subscribe:${relayKey(relay)}:${hex(owner.device.publicKey)}:${Math.random()}`
    try {
      const channel = await this.open(relay, limit)
      try {
        await authenticateOwner(channel, owner, limit)
        channel.onPush = (envelopes) => {
          for (const bytes of envelopes) {
            try { onEnvelope(decodeEnvelope(bytes)) } catch (err) { this.log.error('ignored a malformed envelope pushed by %s - %e', relayKey(relay), err) }
          }
        }
        await channel.request({ subscribe: {} }, limit)
      } catch (err) {
        channel.close()
        throw err
      }
      this.channels.add(key, channel)
      const closed = channel.whenClosed()
      options.signal?.addEventListener('abort', () => { channel.close() }, { once: true })
      return { close: () => { channel.close() }, closed }
    } catch (err) {
      throw toParleyError(err)
    }
  }

  /** Uploads one-time prekeys (and last-resort keys) as the owner; returns the one-time keys now held. */
  async uploadPrekeys (relay: RelayTarget, owner: MailboxOwnerCredentials, upload: PrekeyUpload, options: AbortOptions = {}): Promise<number> {
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
  async takePrekey (relay: RelayTarget, deviceKey: Uint8Array, options: AbortOptions = {}): Promise<HandedPrekey[]> {
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

  /** Accepts calls again after {@link stop}. */
  start (): void {
    this.channels.start()
  }

  /** Closes every stream; calls in flight fail with {@link StreamClosedError}. */
  async stop (): Promise<void> {
    await this.channels.stop()
  }
}

export interface MailboxClientComponents {
  /** libp2p's connection manager (its `openConnection`, which `dial` calls). */
  connectionManager: { openConnection: Libp2p['dial'] }
  logger: ComponentLogger
}

/**
 * The `/parley/mailbox/1.0.0` client as a libp2p service (libp2p stops it with the node).
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ ...options, services: { ...options.services, mailboxes: mailboxClient() } })
 * await libp2p.services.mailboxes.deposit(relayAddr, envelope)
 * ```
 */
export function mailboxClient (init: MailboxClientInit = {}): (components: MailboxClientComponents) => MailboxClient {
  return (components) => new MailboxClient({
    dial: async (target, options) => await components.connectionManager.openConnection(target, options),
    logger: components.logger
  }, init)
}
