import type { Logger } from '@libp2p/interface'
import { BoundedSet } from '../../net/bounded-set.js'
import { Envelope, envelopeIdHex } from '../../net/envelope-codec.js'
import type { MailboxSubscription } from '../../net/mailbox-client.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { SignedPrekey as WireSignedPrekey } from '../../wire/parley.js'
import type { Mailboxes, Prekeys } from '../components.js'
import {
  MAILBOX_ACK_BATCH_MS, MAILBOX_ACK_TIMEOUT_MS, MAILBOX_CONNECT_TIMEOUT_MS, MAILBOX_DRAIN_INTERVAL_MS, MAILBOX_PAGE_SIZE, MAILBOX_PREKEY_POOL,
  MAILBOX_RESUBSCRIBE_DELAY_MS, MAILBOX_RESUBSCRIBE_STABLE_MS
} from '../constants.js'
import type { EnvelopeQuarantine } from './quarantine.js'

/** Claimed senders remembered as "no account record" per drain. */
const UNKNOWN_SENDERS_PER_DRAIN = 1024

/** What a drain shares between the envelopes it receives. */
export interface DrainContext {
  /**
   * Claimed senders (addresses) whose account lookup found nothing during this drain: the next
   * envelope naming one fails at once, without a second lookup. Bounded.
   */
  unknownSenders: Pick<BoundedSet<string>, 'has' | 'add'>
}

export interface MailboxSyncInit {
  mailboxes: Mailboxes
  prekeys: Prekeys
  log: Logger
  /** This account's relays (multiaddrs ending in /p2p/<id>). */
  relays: string[]
  /** Handles one envelope (decrypt + store). Resolving means it may be acked at the relay. */
  onEnvelope: (envelope: Envelope, context: DrainContext) => Promise<void>
  /**
   * Handles a drained page (decrypt + store, one transaction): per envelope, undefined when it
   * may be acked, else why it failed. Never rejects.
   */
  onPage: (envelopes: Envelope[], context: DrainContext, options: { signal: AbortSignal }) => Promise<Array<unknown | undefined>>
  /** Bounded retries per envelope, then quarantine: decides what a failed envelope becomes. */
  quarantine: EnvelopeQuarantine
  /** Periodic drain. @default 60000 */
  drainIntervalMs?: number
  /** Envelopes per drained page (one store transaction each). @default 200 */
  pageSize?: number
  /** One-time prekeys of each kind kept at each relay. @default 20 */
  prekeyPoolSize?: number
  onError?: (relay: string, err: Error) => void
}

/**
 * Keeps this device's mailboxes at its relays drained: on start, by push while connected
 * (subscribe) and periodically; acks each envelope after it has been stored. Also keeps a pool
 * of one-time prekeys at every relay.
 *
 * No deadline covers a whole drain (every request to the relay has its own, and acks go out in
 * small batches as envelopes are handled), so slow envelopes cannot starve the pages behind
 * them; an envelope already quarantined is acked without being decrypted or looked up again,
 * and a claimed sender found nowhere is looked up once per drain.
 */
export class MailboxSync {
  private readonly subscriptions = new Map<string, MailboxSubscription>()
  /** Relays being drained now: a drain still running when the next one is due is not doubled. */
  private readonly draining = new Set<string>()
  /** Pushed envelopes share one context, renewed with every periodic drain. */
  private pushContext: DrainContext = newDrainContext()
  private timer: ReturnType<typeof setInterval> | undefined
  private shutdown = new AbortController()
  private readonly ackQueues = new Map<string, Uint8Array[]>()
  /** The next renewal delay of each relay's subscription (grows while subscriptions end quickly). */
  private readonly resubscribeDelays = new Map<string, number>()
  private readonly resubscribeTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private running = false

  private readonly log: Logger

  constructor (private readonly init: MailboxSyncInit) {
    this.log = init.log
  }

  get relays (): string[] {
    return this.init.relays
  }

  async start (): Promise<void> {
    this.running = true
    this.shutdown = new AbortController()
    await Promise.all(this.init.relays.map(async (relay) => this.connect(relay)))
    this.timer = setInterval(() => { void this.drainAll() }, this.init.drainIntervalMs ?? MAILBOX_DRAIN_INTERVAL_MS)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  async stop (): Promise<void> {
    this.running = false
    this.shutdown.abort()
    clearInterval(this.timer)
    for (const timer of this.resubscribeTimers.values()) clearTimeout(timer)
    this.resubscribeTimers.clear()
    for (const sub of this.subscriptions.values()) sub.close()
    this.subscriptions.clear()
    await this.init.mailboxes.stop()
  }

  /**
   * Subscribes, drains the backlog and tops up prekeys at one relay; errors are reported, not
   * thrown. Each step has a time limit of its own; the drain has one per request (inside the
   * client), none for the whole of it. Skipped while the last drain of this relay still runs.
   */
  private async connect (relay: string): Promise<void> {
    if (this.draining.has(relay)) {
      this.log('the last drain of %s is still running: not starting another', relay)
      return
    }
    this.draining.add(relay)
    const step = (): AbortSignal => AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(MAILBOX_CONNECT_TIMEOUT_MS)])
    try {
      if (!this.subscriptions.has(relay)) {
        const sub = await this.init.mailboxes.subscribe(relay, (envelope) => { void this.handle(relay, envelope) }, { signal: this.shutdown.signal })
        this.subscriptions.set(relay, sub)
        const openedAt = Date.now()
        void sub.closed.then(() => {
          if (this.subscriptions.get(relay) === sub) this.subscriptions.delete(relay)
          this.resubscribeSoon(relay, openedAt)
        }, (err: unknown) => { this.log('subscription at %s ended - %e', relay, err) })
      }
      await this.drain(relay, this.shutdown.signal)
      await this.topUpPrekeys(relay, step())
    } catch (err) {
      if (this.running) this.log.error('mailbox sync with %s failed: %e', relay, err)
      this.init.onError?.(relay, err as Error)
    } finally {
      this.draining.delete(relay)
    }
  }

  /**
   * The connection to a relay came back (the relay keeper re-dialled it): renews its
   * subscription and drains what was deposited meanwhile, now rather than at the next periodic drain.
   */
  reconnected (relay: string): void {
    if (!this.running || !this.init.relays.includes(relay)) return
    this.resubscribeDelays.delete(relay)
    void this.connect(relay)
  }

  /**
   * Renews a subscription that ended while running (its relay, or the fleet member serving it,
   * went away) after 1 s rather than at the next periodic drain; one that ended within 10 s of
   * opening doubles the next delay, up to the drain interval, so a relay that keeps closing
   * subscriptions is not asked again and again.
   */
  private resubscribeSoon (relay: string, openedAt: number): void {
    if (!this.running) return
    const quick = Date.now() - openedAt < MAILBOX_RESUBSCRIBE_STABLE_MS
    const delay = quick ? Math.min((this.resubscribeDelays.get(relay) ?? MAILBOX_RESUBSCRIBE_DELAY_MS / 2) * 2, this.init.drainIntervalMs ?? MAILBOX_DRAIN_INTERVAL_MS) : MAILBOX_RESUBSCRIBE_DELAY_MS
    if (this.resubscribeTimers.has(relay)) return // one renewal pending per relay
    this.resubscribeDelays.set(relay, delay)
    const timer = setTimeout(() => {
      this.resubscribeTimers.delete(relay)
      if (this.running && !this.subscriptions.has(relay)) void this.connect(relay)
    }, delay)
    this.resubscribeTimers.set(relay, timer)
    ;(timer as { unref?: () => void }).unref?.()
  }

  /** A pushed envelope: received and acked, or left at the relay for the next drain. */
  private async handle (relay: string, envelope: Envelope): Promise<void> {
    if (await this.receiveOne(relay, envelope, this.pushContext)) this.queueAck(relay, envelope.id)
  }

  /**
   * Receives one envelope; true when it may be acked at the relay: received, or given up on
   * (dropped as unreadable, or quarantined after bounded retries). False leaves it at the relay
   * for the next drain. An envelope quarantined before is acked, and one that failed moments ago
   * left, before anything is decrypted or looked up. Never throws: one bad envelope must not
   * stop the ones behind it.
   */
  private async receiveOne (relay: string, envelope: Envelope, context: DrainContext): Promise<boolean> {
    const signal = this.shutdown.signal
    const { quarantine } = this.init
    try {
      const known = await quarantine.check(envelope.id, { signal })
      if (known === 'quarantined') return true
      if (known === 'waiting') return false
    } catch (err) {
      if (this.running) this.log.error('could not look up envelope %s from %s in the quarantine: %e', envelopeIdHex(envelope.id), relay, err)
      return false
    }
    try {
      await this.init.onEnvelope(envelope, context)
    } catch (err) {
      return this.failed(relay, envelope, err)
    }
    return this.succeeded(envelope)
  }

  /**
   * Receives one drained page in one store transaction (`onPage`); says per envelope whether
   * it may be acked, as {@link receiveOne} does for one. The caller acks after this resolves:
   * after the page's commit.
   */
  private async receivePage (relay: string, envelopes: Envelope[], context: DrainContext): Promise<boolean[]> {
    const signal = this.shutdown.signal
    const { quarantine } = this.init
    const acks = new Array<boolean>(envelopes.length).fill(false)
    const todo: number[] = []
    for (let i = 0; i < envelopes.length; i++) {
      try {
        const known = await quarantine.check(envelopes[i].id, { signal })
        if (known === 'quarantined') acks[i] = true
        else if (known !== 'waiting') todo.push(i)
      } catch (err) {
        if (this.running) this.log.error('could not look up envelope %s from %s in the quarantine: %e', envelopeIdHex(envelopes[i].id), relay, err)
      }
    }
    if (todo.length === 0) return acks
    const outcomes = await this.init.onPage(todo.map((i) => envelopes[i]), context, { signal })
    for (let j = 0; j < todo.length; j++) {
      const envelope = envelopes[todo[j]]
      acks[todo[j]] = outcomes[j] === undefined ? await this.succeeded(envelope) : await this.failed(relay, envelope, outcomes[j])
    }
    return acks
  }

  /** An envelope received: its past failures are forgotten; it may be acked. */
  private async succeeded (envelope: Envelope): Promise<true> {
    await this.init.quarantine.succeeded(envelope.id, { signal: this.shutdown.signal }).catch((err: unknown) => {
      this.log.error('could not clear the failures of envelope %s: %e', envelopeIdHex(envelope.id), err)
    })
    return true
  }

  /** An envelope whose receive failed: true when it may be acked all the same (dropped or quarantined). */
  private async failed (relay: string, envelope: Envelope, err: unknown): Promise<boolean> {
    if (!this.running) return false // stopping: the store may be closing under us
    try {
      // logged there: dropped, left at the relay for a retry, or quarantined (its sealed bytes kept)
      return await this.init.quarantine.failed(envelope.id, err, { signal: this.shutdown.signal, sealed: Envelope.encode(envelope) }) !== 'retry'
    } catch (storeErr) {
      this.log.error('could not record the failure of envelope %s from %s: %e', envelopeIdHex(envelope.id), relay, storeErr)
      return false
    }
  }

  private queueAck (relay: string, id: Uint8Array): void {
    let queue = this.ackQueues.get(relay)
    if (queue == null) {
      queue = []
      this.ackQueues.set(relay, queue)
      setTimeout(() => {
        const ids = this.ackQueues.get(relay) ?? []
        this.ackQueues.delete(relay)
        if (ids.length === 0 || !this.running) return
        // fire and forget: an envelope whose ack is lost comes again and is deduplicated
        void this.init.mailboxes.ack(relay, ids, { signal: AbortSignal.timeout(MAILBOX_ACK_TIMEOUT_MS) }).catch((err: unknown) => {
          this.log.error('ack of %d envelope(s) at %s failed: %e', ids.length, relay, err)
        })
      }, MAILBOX_ACK_BATCH_MS)
    }
    queue.push(id)
  }

  /**
   * Fetches and handles everything waiting at one relay, page by page, each page in one store
   * transaction and acked after its commit; an envelope that fails is skipped (left at the
   * relay, or acked once dropped or quarantined) and the drain goes on. Returns how many
   * envelopes were acked.
   */
  async drain (relay: string, signal?: AbortSignal): Promise<number> {
    const context = newDrainContext()
    return this.init.mailboxes.drainPages(relay, async (envelopes) => this.receivePage(relay, envelopes, context), { signal, pageSize: this.init.pageSize ?? MAILBOX_PAGE_SIZE })
  }

  /** Drains every relay now (and re-subscribes where the push stream was lost). */
  async drainAll (): Promise<void> {
    if (!this.running) return
    this.pushContext = newDrainContext()
    await Promise.all(this.init.relays.map(async (relay) => this.connect(relay)))
  }

  private async topUpPrekeys (relay: string, signal: AbortSignal): Promise<void> {
    const size = this.init.prekeyPoolSize ?? MAILBOX_PREKEY_POOL
    const batch = await this.init.prekeys.generateOneTime(size)
    const oneTime: MailboxPrekey[] = [
      ...batch.oneTime.map((p) => ({ id: p.id, kind: MailboxPrekey.Kind.X25519, blob: p.publicKey })),
      ...batch.oneTimePq.map((p) => ({
        id: p.id,
        kind: MailboxPrekey.Kind.ML_KEM,
        blob: WireSignedPrekey.encode({ id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: BigInt(p.createdAt) })
      }))
    ]
    await this.init.mailboxes.uploadPrekeys(relay, oneTime, { signal })
  }
}

function newDrainContext (): DrainContext {
  return { unknownSenders: new BoundedSet<string>(UNKNOWN_SENDERS_PER_DRAIN) }
}
