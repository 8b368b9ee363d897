import type { Logger } from '@libp2p/interface'
import { TypedEvents } from '../../events.js'
import { ErrorCode, ParleyError, isPermanentDeliveryError } from '../../errors.js'
import { Envelope } from '../../net/envelope-codec.js'
import { EnvelopeRejectedError } from '../../net/errors.js'
import type { OutboxEntry, Store } from '../../store/index.js'
import type { Depositor, Envelopes, ResolvedDevice } from '../components.js'
import {
  FAR_FUTURE_MS, OUTBOX_ATTEMPT_TIMEOUT_MS, OUTBOX_BATCH, OUTBOX_CONCURRENCY, OUTBOX_DIRECT_TIMEOUT_MS, OUTBOX_MAX_AGE_MS,
  OUTBOX_POLL_MS, OUTBOX_RETRY_SOON_INTERVAL_MS
} from '../constants.js'
import { SendTurns, byQueueOrder, sendQueueOf, type SendTurn } from './outbox-order.js'
import { relayAddresses } from './relay-addresses.js'
import { targetOf } from './outbox-target.js'

export type OutboxOutcome =
  | { entry: OutboxEntry, state: 'sent' | 'stored' }
  | { entry: OutboxEntry, state: 'failed', reason: string }
  | { entry: OutboxEntry, state: 'retry', reason: string }

export interface OutboxWorkerEvents extends Record<string, unknown> {
  outcome: OutboxOutcome
}

export interface OutboxWorkerInit {
  store: Store
  envelopes: Envelopes
  depositor: Depositor
  log: Logger
  /** The recipient device's current record entry and its account's relays. */
  resolve: (address: string, deviceHex: string, signal: AbortSignal) => Promise<ResolvedDevice>
  /**
   * Seals a deferred entry (a `pending` target: content queued while the recipient's account
   * record could not be found) into per-device entries; throws to retry later. Resolves `true`
   * when it removed the deferred entry in the transaction that wrote the sealed ones (a crash
   * between the two cannot seal it twice); else the worker removes it after.
   */
  expand?: (entry: OutboxEntry, conversationId: string, signal: AbortSignal) => Promise<boolean | undefined>
  /** Direct delivery attempt limit before falling back to relays. @default 3000 */
  directTimeoutMs?: number
  /** Entries older than this fail. @default 7 days */
  maxAgeMs?: number
  /** Deliveries in parallel. @default 16 */
  concurrency?: number
  /** Poll interval while entries wait. @default 1000 */
  pollMs?: number
  /** Whether this platform dials a relay address itself (picks each relay's address). @default any */
  canDial?: (address: string) => boolean
}

function backoffMs (attempts: number): number {
  const base = Math.min(1000 * 2 ** Math.min(attempts, 10), 300_000)
  // whole milliseconds: the store takes integer times only (a fraction made every retry's put fail)
  return Math.round(base / 2 + Math.random() * base / 2)
}

function codeOfFailure (err: unknown): string {
  return err instanceof ParleyError ? err.code : ErrorCode.UNREACHABLE
}

/**
 * Delivers the persistent outbox: direct to the device first (short timeout), else deposited
 * at every relay of the recipient's account (from a throwaway identity); retried with backoff
 * across restarts until it lands or ages out. Emits one `outcome` per attempt.
 */
export class OutboxWorker extends TypedEvents<OutboxWorkerEvents> {
  private readonly init: Required<Omit<OutboxWorkerInit, 'expand'>> & Pick<OutboxWorkerInit, 'expand'>
  private readonly log: Logger
  private readonly inFlight = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private pumping = false
  private again = false
  private shutdown = new AbortController()

  constructor (init: OutboxWorkerInit) {
    super()
    this.init = { directTimeoutMs: OUTBOX_DIRECT_TIMEOUT_MS, maxAgeMs: OUTBOX_MAX_AGE_MS, concurrency: OUTBOX_CONCURRENCY, pollMs: OUTBOX_POLL_MS, canDial: () => true, ...init }
    this.log = init.log
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
    if (!this.running || now - this.lastRetrySoon < OUTBOX_RETRY_SOON_INTERVAL_MS) return
    this.lastRetrySoon = now
    try {
      const waiting = await this.init.store.outbox.due(FAR_FUTURE_MS, { limit: OUTBOX_BATCH })
      for (const entry of waiting.items) {
        if (entry.nextAttemptAt > now && !this.inFlight.has(entry.id)) await this.init.store.outbox.put({ ...entry, nextAttemptAt: now })
      }
    } catch (err) {
      this.log('could not make waiting entries due (stopping?) - %e', err)
    }
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
        const due = await this.init.store.outbox.due(Date.now(), { limit: OUTBOX_BATCH })
        // one device's entries leave in the order they were queued (the due index orders same-time entries by id)
        const work = due.items.filter((e) => !this.inFlight.has(e.id)).sort(byQueueOrder)
        const turns = new SendTurns()
        let index = 0
        const lane = async (): Promise<void> => {
          while (index < work.length && this.running) {
            const entry = work[index++]
            const turn = turns.take(sendQueueOf(entry))
            this.inFlight.add(entry.id)
            try { await this.deliver(entry, turn) } finally { turn.done(); this.inFlight.delete(entry.id) }
          }
        }
        await Promise.all(Array.from({ length: Math.min(this.init.concurrency, work.length) }, lane))
        if (due.items.length >= OUTBOX_BATCH) this.again = true
      } while (this.again && this.running)
    } catch (err) {
      // the store closed under us (stopping) or failed: the poll tries again
      this.log('outbox pass failed, the poll tries again - %e', err)
    } finally {
      this.pumping = false
      if (this.running && (await this.hasPending())) this.schedule()
    }
  }

  private async hasPending (): Promise<boolean> {
    try {
      return (await this.init.store.outbox.due(FAR_FUTURE_MS, { limit: 1 })).items.length > 0
    } catch (err) {
      this.log('could not read the outbox (stopping?) - %e', err)
      return false
    }
  }

  /** One attempt at an entry; `turn` says when its envelope may go (one conversation's deferred entries are sealed one after the other). */
  private async deliver (entry: OutboxEntry, turn: SendTurn): Promise<void> {
    const target = targetOf(entry)
    if (target.kind === 'pending') {
      await turn.ready
      await this.expandPending(entry, target.conversationId)
      return
    }
    const envelope = Envelope.decode(entry.envelope)
    const now = Date.now()
    const expired = (envelope.expiresAt !== 0n && Number(envelope.expiresAt) < now) || now - entry.createdAt > this.init.maxAgeMs
    if (expired) { await this.finish(entry, { entry, state: 'failed', reason: ErrorCode.EXPIRED }); return }
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(OUTBOX_ATTEMPT_TIMEOUT_MS)])
    let reason: string = ErrorCode.UNREACHABLE
    try {
      const { device, relays, fleets } = await this.init.resolve(target.address, target.deviceKey, signal)
      await turn.ready
      try {
        // the bytes as they were sealed and stored: the direct and relay copies are the same envelope
        const sending = this.init.envelopes.send(device, entry.envelope, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.directTimeoutMs)]) })
        turn.done()
        await sending
        await this.finish(entry, { entry, state: 'sent' })
        return
      } catch (err) {
        if (err instanceof EnvelopeRejectedError && isPermanentDeliveryError(err.code)) {
          await this.finish(entry, { entry, state: 'failed', reason: err.code })
          return
        }
        reason = codeOfFailure(err)
      }
      const addresses = relayAddresses(relays, this.log, fleets, this.init.canDial)
      if (!target.directOnly && addresses.length > 0) {
        const outcomes = await this.init.depositor.depositToAll(addresses, entry.envelope, { signal })
        if (outcomes.some((o) => o.ok)) {
          await this.finish(entry, { entry, state: 'stored' })
          return
        }
        const failure = outcomes.find((o) => !o.ok)
        if (failure != null && !failure.ok) reason = failure.error.code
      }
    } catch (err) {
      if (err instanceof ParleyError && isPermanentDeliveryError(err.code)) {
        await this.finish(entry, { entry, state: 'failed', reason: err.code })
        return
      }
      reason = codeOfFailure(err)
    }
    if (!this.running) return
    const attempts = entry.attempts + 1
    await this.init.store.outbox.put({ ...entry, attempts, nextAttemptAt: Date.now() + backoffMs(attempts), lastError: reason }).catch((err: unknown) => {
      this.log.error('could not record a failed attempt of outbox entry %s - %e', entry.id, err)
    })
    this.emit('outcome', { entry, state: 'retry', reason })
  }

  private async expandPending (entry: OutboxEntry, conversationId: string): Promise<void> {
    if (Date.now() - entry.createdAt > this.init.maxAgeMs || this.init.expand == null) {
      await this.finish(entry, { entry, state: 'failed', reason: entry.lastError ?? ErrorCode.ACCOUNT_NOT_FOUND })
      return
    }
    try {
      const removed = await this.init.expand(entry, conversationId, AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(OUTBOX_ATTEMPT_TIMEOUT_MS)]))
      if (removed !== true) await this.init.store.outbox.delete(entry.id)
      this.kick()
    } catch (err) {
      if (!this.running) return
      if (err instanceof ParleyError && isPermanentDeliveryError(err.code)) {
        await this.finish(entry, { entry, state: 'failed', reason: err.code })
        return
      }
      const attempts = entry.attempts + 1
      const reason = codeOfFailure(err)
      await this.init.store.outbox.put({ ...entry, attempts, nextAttemptAt: Date.now() + backoffMs(attempts), lastError: reason }).catch((putErr: unknown) => {
        this.log.error('could not record a failed expansion of outbox entry %s - %e', entry.id, putErr)
      })
      this.emit('outcome', { entry, state: 'retry', reason })
    }
  }

  private async finish (entry: OutboxEntry, outcome: OutboxOutcome): Promise<void> {
    await this.remove(entry.id)
    this.emit('outcome', outcome)
  }

  /** Finished entries waiting for their removal's commit. */
  private readonly finished: Array<{ id: string, removed: () => void }> = []
  private removing = false

  /**
   * Removes a finished entry. Entries finishing while a removal commits (deliveries run 16 at
   * a time) are removed together in the next transaction; each caller resumes after the commit
   * that removed its entry (or after it failed, logged: the entry is then delivered again
   * later, and its receiver drops the copy).
   */
  private async remove (id: string): Promise<void> {
    const removed = new Promise<void>((resolve) => { this.finished.push({ id, removed: resolve }) })
    if (!this.removing) {
      this.removing = true
      queueMicrotask(() => { void this.removeFinished() })
    }
    await removed
  }

  private async removeFinished (): Promise<void> {
    try {
      while (this.finished.length > 0) {
        const batch = this.finished.splice(0, OUTBOX_BATCH)
        try {
          await this.init.store.transaction(async (tx) => { for (const { id } of batch) await tx.outbox.delete(id) })
        } catch (err) {
          this.log.error('could not remove %d finished outbox entries - %e', batch.length, err)
        }
        for (const { removed } of batch) removed()
      }
    } finally {
      this.removing = false
    }
  }
}
