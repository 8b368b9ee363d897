import type { Envelope } from '../net/envelope-codec.js'
import { MailboxClient, type MailboxOwnerCredentials, type MailboxSubscription } from '../net/mailbox-client.js'
import { MailboxPrekey } from '../wire/mailbox.js'
import { SignedPrekey as WireSignedPrekey } from '../wire/parley.js'
import type { ParleyNode } from '../node/parley-node.js'

export interface MailboxSyncInit {
  node: ParleyNode
  /** This account's relays (multiaddrs ending in /p2p/<id>). */
  relays: string[]
  /** Handles one envelope (decrypt + store). Resolving means it may be acked at the relay. */
  onEnvelope: (envelope: Envelope) => Promise<void>
  /** Periodic drain. @default 60000 */
  drainIntervalMs?: number
  /** One-time prekeys of each kind kept at each relay. @default 20 */
  prekeyPoolSize?: number
  onError?: (relay: string, err: Error) => void
}

/** Receive failures that retrying cannot fix: the envelope is acked (dropped) at the relay. */
const PERMANENT_RECEIVE_CODES = new Set([
  'ERR_DECRYPT', 'ERR_REPLAY', 'ERR_TOO_MANY_SKIPPED', 'ERR_UNKNOWN_PREKEY', 'ERR_MALFORMED_MESSAGE', 'ERR_MESSAGE_TOO_LARGE',
  'ERR_UNSUPPORTED_VERSION', 'ERR_INVALID_SENDER', 'ERR_INVALID_KEY', 'ERR_INVALID_SIGNATURE', 'ERR_SESSION_STATE',
  'ERR_SESSION_RESET', 'ERR_UNKNOWN_SENDER_DEVICE', 'ERR_BLOCKED', 'ERR_INVALID_ACCOUNT_RECORD', 'ERR_BAD_RECORD_SIGNATURE'
])

export function isPermanentReceiveError (err: unknown): boolean {
  return PERMANENT_RECEIVE_CODES.has((err as { code?: string })?.code ?? '')
}

/**
 * Keeps this device's mailboxes at its relays drained: on start, by push while connected
 * (subscribe) and periodically; acks each envelope after it has been stored. Also keeps a pool
 * of one-time prekeys at every relay.
 */
export class MailboxSync {
  readonly client: MailboxClient
  private readonly subscriptions = new Map<string, MailboxSubscription>()
  private timer: ReturnType<typeof setInterval> | undefined
  private shutdown = new AbortController()
  private readonly ackQueues = new Map<string, Uint8Array[]>()
  private running = false

  constructor (private readonly init: MailboxSyncInit) {
    this.client = new MailboxClient(init.node.libp2p)
  }

  private owner (): MailboxOwnerCredentials {
    const record = this.init.node.ownAccountRecord()
    if (record == null) throw new Error('No signed account record yet')
    return {
      device: { secretKey: this.init.node.identity.device.signing.privateKey, publicKey: this.init.node.identity.device.signing.publicKey },
      accountRecord: record
    }
  }

  get relays (): string[] {
    return this.init.relays
  }

  async start (): Promise<void> {
    this.running = true
    this.shutdown = new AbortController()
    await Promise.all(this.init.relays.map(async (relay) => this.connect(relay)))
    this.timer = setInterval(() => { void this.drainAll() }, this.init.drainIntervalMs ?? 60_000)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  async stop (): Promise<void> {
    this.running = false
    this.shutdown.abort()
    clearInterval(this.timer)
    for (const sub of this.subscriptions.values()) sub.close()
    this.subscriptions.clear()
    await this.client.stop()
  }

  /** Subscribes, drains the backlog and tops up prekeys at one relay; errors are reported, not thrown. */
  private async connect (relay: string): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)])
    try {
      if (!this.subscriptions.has(relay)) {
        const sub = await this.client.subscribe(relay, this.owner(), (envelope) => { void this.handle(relay, envelope) }, { signal: this.shutdown.signal })
        this.subscriptions.set(relay, sub)
        void sub.closed.then(() => {
          if (this.subscriptions.get(relay) === sub) this.subscriptions.delete(relay)
        })
      }
      await this.drain(relay, signal)
      await this.topUpPrekeys(relay, signal)
    } catch (err) {
      this.init.onError?.(relay, err as Error)
    }
  }

  private async handle (relay: string, envelope: Envelope): Promise<void> {
    try {
      await this.init.onEnvelope(envelope)
    } catch (err) {
      // a transient failure (the sender's record unreachable, the store busy): leave it at the
      // relay for the next drain; a permanent one (undecryptable, forged, blocked…) is acked
      if (!isPermanentReceiveError(err)) return
    }
    this.queueAck(relay, envelope.id)
  }

  private queueAck (relay: string, id: Uint8Array): void {
    let queue = this.ackQueues.get(relay)
    if (queue == null) {
      queue = []
      this.ackQueues.set(relay, queue)
      setTimeout(() => {
        const ids = this.ackQueues.get(relay) ?? []
        this.ackQueues.delete(relay)
        if (ids.length > 0 && this.running) void this.client.ack(relay, this.owner(), ids, { signal: AbortSignal.timeout(15_000) }).catch(() => {})
      }, 20)
    }
    queue.push(id)
  }

  /** Fetches and handles everything waiting at one relay. */
  async drain (relay: string, signal?: AbortSignal): Promise<number> {
    let transient: unknown
    const handled = await this.client.drain(relay, this.owner(), async (envelope) => {
      try {
        await this.init.onEnvelope(envelope)
      } catch (err) {
        // stop before the page is acked: the relay keeps it for the next drain
        if (!isPermanentReceiveError(err)) { transient = err; throw err }
      }
    }, { signal, pageSize: 200 }).catch((err) => { if (transient == null) throw err; return 0 })
    return handled
  }

  /** Drains every relay now (and re-subscribes where the push stream was lost). */
  async drainAll (): Promise<void> {
    if (!this.running) return
    await Promise.all(this.init.relays.map(async (relay) => this.connect(relay)))
  }

  private async topUpPrekeys (relay: string, signal: AbortSignal): Promise<void> {
    const size = this.init.prekeyPoolSize ?? 20
    const batch = await this.init.node.prekeys.generateOneTime(size)
    const oneTime: MailboxPrekey[] = [
      ...batch.oneTime.map((p) => ({ id: p.id, kind: MailboxPrekey.Kind.X25519, blob: p.publicKey })),
      ...batch.oneTimePq.map((p) => ({
        id: p.id,
        kind: MailboxPrekey.Kind.ML_KEM,
        blob: WireSignedPrekey.encode({ id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: BigInt(p.createdAt) })
      }))
    ]
    await this.client.uploadPrekeys(relay, this.owner(), { oneTime, replace: true }, { signal })
  }
}
