import { FAR_FUTURE_MS } from './constants.js'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEvents } from '../events.js'
import { ParleyError } from '../errors.js'
import type { DeviceEntry, RelayEntry } from '../identity/account-record.js'
import { Envelope } from '../net/envelope-codec.js'
import { EnvelopeRejectedError } from '../net/errors.js'
import type { ParleyNode } from '../node/parley-node.js'
import { peerIdFromBytes } from '../node/parley-node.js'
import type { OutboxEntry, Store } from '../store/index.js'
import type { AnonymousDepositor } from './anonymous-depositor.js'

/** Where one outbox entry goes, encoded in `OutboxEntry.targets[0]`. */
export interface OutboxTarget {
  address: string
  deviceHex: string
  /** Secret "direct only" chats never use relays. */
  directOnly: boolean
}

/** Targets of deferred entries: `pending|<conversation id>`; the entry holds the content, not yet sealed. */
export const PENDING_PREFIX = 'pending|'

export function encodeTarget (t: OutboxTarget): string {
  return `${t.directOnly ? 'direct' : 'any'}|${t.address}|${t.deviceHex}`
}

export function decodeTarget (s: string): OutboxTarget {
  const [mode, address, deviceHex] = s.split('|')
  return { address, deviceHex, directOnly: mode === 'direct' }
}

export type OutboxOutcome =
  | { entry: OutboxEntry, state: 'sent' | 'stored' }
  | { entry: OutboxEntry, state: 'failed', reason: string }
  | { entry: OutboxEntry, state: 'retry', reason: string }

export interface OutboxWorkerEvents extends Record<string, unknown> {
  outcome: OutboxOutcome
}

export interface OutboxWorkerInit {
  store: Store
  node: ParleyNode
  depositor: AnonymousDepositor
  /** The recipient device's current record entry and its account's relays. */
  resolve: (address: string, deviceHex: string, signal: AbortSignal) => Promise<{ device: DeviceEntry, relays: RelayEntry[] }>
  /**
   * Seals a deferred entry (target `pending|…`: content queued while the recipient's account
   * record could not be found) into per-device entries; throws to retry later.
   */
  expand?: (entry: OutboxEntry, signal: AbortSignal) => Promise<void>
  /** Direct delivery attempt limit before falling back to relays. @default 3000 */
  directTimeoutMs?: number
  /** Entries older than this fail. @default 7 days */
  maxAgeMs?: number
  /** Deliveries in parallel. @default 16 */
  concurrency?: number
  /** Poll interval while entries wait. @default 1000 */
  pollMs?: number
}

/** Ack codes after which retrying cannot help. */
const PERMANENT_CODES = new Set(['ERR_WRONG_RECIPIENT', 'ERR_ENVELOPE_EXPIRED', 'ERR_MALFORMED_FRAME', 'ERR_SESSION_RESET', 'ERR_DECRYPT', 'ERR_INVALID_SENDER', 'ERR_BLOCKED', 'ERR_ACCOUNT_DELETED'])

function backoffMs (attempts: number): number {
  const base = Math.min(1000 * 2 ** Math.min(attempts, 10), 300_000)
  return base / 2 + Math.random() * base / 2
}

/** Relay multiaddrs (with /p2p/) of an account's relay entries. */
export function relayAddresses (relays: RelayEntry[]): string[] {
  const out: string[] = []
  for (const relay of relays) {
    const id = peerIdFromBytes(relay.peerId).toString()
    for (const bytes of relay.multiaddrs) {
      try {
        const ma = multiaddr(bytes)
        out.push(ma.getComponents().some((c) => c.name === 'p2p') ? ma.toString() : `${ma.toString()}/p2p/${id}`)
        break
      } catch { /* skip an unreadable address */ }
    }
  }
  return out
}

/**
 * Delivers the persistent outbox: direct to the device first (short timeout), else deposited
 * at every relay of the recipient's account (from a throwaway identity); retried with backoff
 * across restarts until it lands or ages out. Emits one `outcome` per attempt.
 */
export class OutboxWorker extends TypedEvents<OutboxWorkerEvents> {
  private readonly init: Required<Omit<OutboxWorkerInit, 'resolve' | 'expand'>> & Pick<OutboxWorkerInit, 'resolve' | 'expand'>
  private readonly inFlight = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private pumping = false
  private again = false
  private shutdown = new AbortController()

  constructor (init: OutboxWorkerInit) {
    super()
    this.init = { directTimeoutMs: 3000, maxAgeMs: 7 * 24 * 3600 * 1000, concurrency: 16, pollMs: 1000, ...init }
  }

  start (): void {
    this.running = true
    this.shutdown = new AbortController()
    this.kick()
  }

  async stop (): Promise<void> {
    this.running = false
    this.shutdown.abort()
    clearTimeout(this.timer)
    while (this.inFlight.size > 0 || this.pumping) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  private lastRetrySoon = 0

  /**
   * Makes entries waiting for their backoff due now (at most once every 2 s): called when a
   * peer connects, since the recipient may just have come online.
   */
  async retrySoon (): Promise<void> {
    const now = Date.now()
    if (!this.running || now - this.lastRetrySoon < 2000) return
    this.lastRetrySoon = now
    try {
      const waiting = await this.init.store.outbox.due(FAR_FUTURE_MS, { limit: 200 })
      for (const entry of waiting.items) {
        if (entry.nextAttemptAt > now && !this.inFlight.has(entry.id)) await this.init.store.outbox.put({ ...entry, nextAttemptAt: now })
      }
    } catch { /* stopping */ }
    this.kick()
  }

  /** Looks at the outbox now (call after enqueueing). */
  kick (): void {
    if (!this.running) return
    if (this.pumping) { this.again = true; return }
    void this.pump()
  }

  private schedule (): void {
    clearTimeout(this.timer)
    if (!this.running) return
    this.timer = setTimeout(() => { this.kick() }, this.init.pollMs)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private async pump (): Promise<void> {
    this.pumping = true
    try {
      do {
        this.again = false
        const due = await this.init.store.outbox.due(Date.now(), { limit: 200 })
        const work = due.items.filter((e) => !this.inFlight.has(e.id))
        let index = 0
        const lane = async (): Promise<void> => {
          while (index < work.length && this.running) {
            const entry = work[index++]
            this.inFlight.add(entry.id)
            try { await this.deliver(entry) } finally { this.inFlight.delete(entry.id) }
          }
        }
        await Promise.all(Array.from({ length: Math.min(this.init.concurrency, work.length) }, lane))
        if (due.items.length >= 200) this.again = true
      } while (this.again && this.running)
    } catch {
      // the store closed under us (stopping) or failed: the poll tries again
    } finally {
      this.pumping = false
      if (this.running && (await this.hasPending())) this.schedule()
    }
  }

  private async hasPending (): Promise<boolean> {
    try {
      return (await this.init.store.outbox.due(FAR_FUTURE_MS, { limit: 1 })).items.length > 0
    } catch {
      return false
    }
  }

  private async deliver (entry: OutboxEntry): Promise<void> {
    if ((entry.targets[0] ?? '').startsWith(PENDING_PREFIX)) { await this.expandPending(entry); return }
    const target = decodeTarget(entry.targets[0] ?? '')
    const envelope = Envelope.decode(entry.envelope)
    const now = Date.now()
    const expired = (envelope.expiresAt !== 0n && Number(envelope.expiresAt) < now) || now - entry.createdAt > this.init.maxAgeMs
    if (expired) { await this.finish(entry, { entry, state: 'failed', reason: 'ERR_EXPIRED' }); return }
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)])
    let reason = 'ERR_UNREACHABLE'
    try {
      const { device, relays } = await this.init.resolve(target.address, target.deviceHex, signal)
      try {
        await this.init.node.sendEnvelope(device, { payload: envelope.payload, id: envelope.id, expiresAt: Number(envelope.expiresAt), flags: envelope.flags }, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.directTimeoutMs)])
        })
        await this.finish(entry, { entry, state: 'sent' })
        return
      } catch (err) {
        if (err instanceof EnvelopeRejectedError && PERMANENT_CODES.has(err.code)) {
          await this.finish(entry, { entry, state: 'failed', reason: err.code })
          return
        }
        reason = err instanceof ParleyError ? err.code : 'ERR_UNREACHABLE'
      }
      const addresses = relayAddresses(relays)
      if (!target.directOnly && addresses.length > 0) {
        const outcomes = await this.init.depositor.depositToAll(addresses, envelope, { signal })
        if (outcomes.some((o) => o.ok)) {
          await this.finish(entry, { entry, state: 'stored' })
          return
        }
        const failure = outcomes.find((o) => !o.ok)
        if (failure != null && !failure.ok) reason = failure.error.code
      }
    } catch (err) {
      if (err instanceof ParleyError && PERMANENT_CODES.has(err.code)) {
        await this.finish(entry, { entry, state: 'failed', reason: err.code })
        return
      }
      reason = err instanceof ParleyError ? err.code : 'ERR_UNREACHABLE'
    }
    if (!this.running) return
    const attempts = entry.attempts + 1
    await this.init.store.outbox.put({ ...entry, attempts, nextAttemptAt: Date.now() + backoffMs(attempts), lastError: reason }).catch(() => {})
    this.emit('outcome', { entry, state: 'retry', reason })
  }

  private async expandPending (entry: OutboxEntry): Promise<void> {
    if (Date.now() - entry.createdAt > this.init.maxAgeMs || this.init.expand == null) {
      await this.finish(entry, { entry, state: 'failed', reason: 'ERR_ACCOUNT_NOT_FOUND' })
      return
    }
    try {
      await this.init.expand(entry, AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)]))
      await this.init.store.outbox.delete(entry.id)
      this.kick()
    } catch (err) {
      if (!this.running) return
      const attempts = entry.attempts + 1
      const reason = err instanceof ParleyError ? err.code : 'ERR_UNREACHABLE'
      await this.init.store.outbox.put({ ...entry, attempts, nextAttemptAt: Date.now() + backoffMs(attempts), lastError: reason }).catch(() => {})
      this.emit('outcome', { entry, state: 'retry', reason })
    }
  }

  private async finish (entry: OutboxEntry, outcome: OutboxOutcome): Promise<void> {
    await this.init.store.outbox.delete(entry.id).catch(() => {})
    this.emit('outcome', outcome)
  }
}
