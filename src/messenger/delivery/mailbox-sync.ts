import type { Logger } from '@libp2p/interface'
import { envelopeIdHex, type Envelope } from '../../net/envelope-codec.js'
import type { MailboxSubscription } from '../../net/mailbox-client.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { SignedPrekey as WireSignedPrekey } from '../../wire/parley.js'
import type { Mailboxes, Prekeys } from '../components.js'
import {
  MAILBOX_ACK_BATCH_MS, MAILBOX_ACK_TIMEOUT_MS, MAILBOX_CONNECT_TIMEOUT_MS, MAILBOX_DRAIN_INTERVAL_MS, MAILBOX_PAGE_SIZE, MAILBOX_PREKEY_POOL
} from '../constants.js'
import type { EnvelopeQuarantine } from './quarantine.js'

export interface MailboxSyncInit {
  mailboxes: Mailboxes
  prekeys: Prekeys
  log: Logger
  /** This account's relays (multiaddrs ending in /p2p/<id>). */
  relays: string[]
  /** Handles one envelope (decrypt + store). Resolving means it may be acked at the relay. */
  onEnvelope: (envelope: Envelope) => Promise<void>
  /** Bounded retries per envelope, then quarantine: decides what a failed envelope becomes. */
  quarantine: EnvelopeQuarantine
  /** Periodic drain. @default 60000 */
  drainIntervalMs?: number
  /** One-time prekeys of each kind kept at each relay. @default 20 */
  prekeyPoolSize?: number
  onError?: (relay: string, err: Error) => void
}

/**
 * Keeps this device's mailboxes at its relays drained: on start, by push while connected
 * (subscribe) and periodically; acks each envelope after it has been stored. Also keeps a pool
 * of one-time prekeys at every relay.
 */
export class MailboxSync {
  private readonly subscriptions = new Map<string, MailboxSubscription>()
  private timer: ReturnType<typeof setInterval> | undefined
  private shutdown = new AbortController()
  private readonly ackQueues = new Map<string, Uint8Array[]>()
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
    for (const sub of this.subscriptions.values()) sub.close()
    this.subscriptions.clear()
    await this.init.mailboxes.stop()
  }

  /** Subscribes, drains the backlog and tops up prekeys at one relay; errors are reported, not thrown. */
  private async connect (relay: string): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(MAILBOX_CONNECT_TIMEOUT_MS)])
    try {
      if (!this.subscriptions.has(relay)) {
        const sub = await this.init.mailboxes.subscribe(relay, (envelope) => { void this.handle(relay, envelope) }, { signal: this.shutdown.signal })
        this.subscriptions.set(relay, sub)
        void sub.closed.then(() => {
          if (this.subscriptions.get(relay) === sub) this.subscriptions.delete(relay)
        }, (err: unknown) => { this.log('subscription at %s ended - %e', relay, err) })
      }
      await this.drain(relay, signal)
      await this.topUpPrekeys(relay, signal)
    } catch (err) {
      if (this.running) this.log.error('mailbox sync with %s failed: %e', relay, err)
      this.init.onError?.(relay, err as Error)
    }
  }

  /** A pushed envelope: received and acked, or left at the relay for the next drain. */
  private async handle (relay: string, envelope: Envelope): Promise<void> {
    if (await this.receiveOne(relay, envelope)) this.queueAck(relay, envelope.id)
  }

  /**
   * Receives one envelope; true when it may be acked at the relay: received, or given up on
   * (dropped as unreadable, or quarantined after bounded retries). False leaves it at the relay
   * for the next drain. Never throws: one bad envelope must not stop the ones behind it.
   */
  private async receiveOne (relay: string, envelope: Envelope): Promise<boolean> {
    const signal = this.shutdown.signal
    try {
      await this.init.onEnvelope(envelope)
    } catch (err) {
      if (!this.running) return false // stopping: the store may be closing under us
      try {
        // logged there: dropped, left at the relay for a retry, or quarantined
        return await this.init.quarantine.failed(envelope.id, err, { signal }) !== 'retry'
      } catch (storeErr) {
        this.log.error('could not record the failure of envelope %s from %s: %e', envelopeIdHex(envelope.id), relay, storeErr)
        return false
      }
    }
    await this.init.quarantine.succeeded(envelope.id, { signal }).catch((err: unknown) => {
      this.log.error('could not clear the failures of envelope %s: %e', envelopeIdHex(envelope.id), err)
    })
    return true
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
   * Fetches and handles everything waiting at one relay, page by page; an envelope that fails
   * is skipped (left at the relay, or acked once quarantined) and the drain goes on. Returns
   * how many envelopes were acked.
   */
  async drain (relay: string, signal?: AbortSignal): Promise<number> {
    return this.init.mailboxes.drain(relay, async (envelope) => this.receiveOne(relay, envelope), { signal, pageSize: MAILBOX_PAGE_SIZE })
  }

  /** Drains every relay now (and re-subscribes where the push stream was lost). */
  async drainAll (): Promise<void> {
    if (!this.running) return
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
