import type { Logger } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { ErrorCode, codeOf, isPermanentReceiveError } from '../../errors.js'
import { decodeEnvelope, type Envelope } from '../../net/envelope-codec.js'
import type { Store, StoredValue } from '../../store/index.js'
import { Mutex } from '../../mutex.js'
import type { QuarantinedView } from '../types.js'
import { KeptEnvelopes } from './kept-envelopes.js'

/** The claimed sender's account record cannot be found: permanent once retried. */
const UNKNOWN_SENDER_CODE = ErrorCode.ACCOUNT_NOT_FOUND

/** A failure without a code of its own (a plain Error). */
const UNKNOWN_FAILURE_CODE = ErrorCode.RECEIVE_FAILED

/** Longest failure message kept in a quarantine entry. */
const MAX_REASON_CHARS = 160

const SETTINGS_TRACKED = 'receive-failures'
const SETTINGS_QUARANTINE = 'receive-quarantine'

function errorCode (err: unknown): string {
  return codeOf(err) ?? UNKNOWN_FAILURE_CODE
}

/** A failure's message, shortened for its quarantine entry. */
function reasonOf (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, MAX_REASON_CHARS)
}

/** How often, and for how long, an envelope that fails to be received is tried again. */
export interface ReceiveRetryPolicy {
  /** Counted failures after which an envelope is quarantined. @default 10 */
  maxAttempts?: number
  /** Time since an envelope's first failure after which its next failure quarantines it. @default 3600000 */
  maxAgeMs?: number
  /** Counted failures after which an envelope whose claimed sender has no account record (`ERR_ACCOUNT_NOT_FOUND`) is quarantined. @default 2 */
  unknownSenderMaxAttempts?: number
  /**
   * Failures closer than this to the last counted one count as the same attempt (the same
   * envelope from two relays, or pushed and drained at once). @default 10000
   */
  attemptSpacingMs?: number
  /** Quarantine entries kept; the oldest go first. @default 200 */
  maxQuarantined?: number
  /**
   * Envelopes whose failures are tracked at once, unknown senders aside; when full, a new
   * failure is left at the relay untracked (retried by later drains), never quarantined for it. @default 500
   */
  maxTracked?: number
  /**
   * Envelopes failing with an unknown claimed sender (`ERR_ACCOUNT_NOT_FOUND`) tracked at once:
   * a budget of their own, so forged envelopes cannot use up the others'. Full: left at the relay. @default 100
   */
  maxTrackedUnknownSender?: number
  /** Sealed envelopes kept with their quarantine entries (so they can be retried); the oldest go first. @default 50 */
  maxKept?: number
  /** Bytes of sealed envelopes kept with quarantine entries. @default 4194304 */
  maxKeptBytes?: number
}

/** One envelope this device gave up on: the view the API shows ({@link QuarantinedView}). */
export type QuarantinedEnvelope = QuarantinedView

/** What {@link EnvelopeQuarantine.check} knows of an envelope before it is received. */
export type KnownFailure =
  /** Quarantined before: ack it without receiving it again. */
  | 'quarantined'
  /** Failed moments ago (pushed and drained at once, or two relays): leave it for a later drain. */
  | 'waiting'

/** Outcome of {@link EnvelopeQuarantine.retry}. */
export interface QuarantineRetry {
  /** Kept envelopes received this time (their entries are gone). */
  received: number
  /** Kept envelopes that failed again (still quarantined, with the new reason). */
  failed: number
}

/** What to do with an envelope whose receive failed. */
export type FailureVerdict =
  /** Leave it at the relay: the next drain tries again. */
  | 'retry'
  /** Ack it: it was quarantined (now or before). */
  | 'quarantine'
  /** Ack it: it can never be read (undecryptable, forged, blocked…). */
  | 'drop'

interface TrackedFailure {
  id: string
  /** Code of the first failure (absent in entries written before it was kept). */
  code?: string
  attempts: number
  firstFailedAt: number
  lastCountedAt: number
}

interface QuarantineState {
  entries: QuarantinedEnvelope[]
  /** Entries dropped to keep the quarantine bounded. */
  dropped: number
  /** Bytes of the sealed envelopes kept. */
  keptBytes?: number
}

export interface EnvelopeQuarantineInit {
  store: Pick<Store, 'settings'>
  log: Logger
  now?: () => number
  policy?: ReceiveRetryPolicy
}

/**
 * Bounded retries per envelope id, then a local quarantine: one envelope that keeps failing
 * (a forged sender, a record nobody can find) is acked at the relay and listed with its reason,
 * so it never holds back the mail behind it. Its sealed bytes are kept (bounded) so that it can
 * be tried again ({@link retry}). The retry counts, the quarantine and the kept envelopes live
 * in the encrypted store (settings values), so restarts do not reset them. When too many
 * envelopes are failing to track one more (unknown senders have a budget of their own), a new
 * failure is left at the relay untracked: never quarantined for lack of room.
 *
 * @example
 * ```ts
 * const quarantine = new EnvelopeQuarantine({ store, log })
 * try { await receive(envelope) } catch (err) {
 *   if (await quarantine.failed(envelope.id, err) === 'retry') return // stays at the relay
 * }
 * ack(envelope.id)
 * ```
 */
export class EnvelopeQuarantine {
  private readonly store: Pick<Store, 'settings'>
  private readonly log: Logger
  private readonly now: () => number
  private readonly policy: Required<ReceiveRetryPolicy>
  private readonly lock = new Mutex()
  private tracked: Map<string, TrackedFailure> | undefined
  private state: QuarantineState | undefined
  private readonly kept: KeptEnvelopes

  constructor (init: EnvelopeQuarantineInit) {
    this.store = init.store
    this.log = init.log
    this.now = init.now ?? Date.now
    const p = init.policy ?? {}
    this.policy = {
      maxAttempts: p.maxAttempts ?? 10,
      maxAgeMs: p.maxAgeMs ?? 3_600_000,
      unknownSenderMaxAttempts: p.unknownSenderMaxAttempts ?? 2,
      attemptSpacingMs: p.attemptSpacingMs ?? 10_000,
      maxQuarantined: p.maxQuarantined ?? 200,
      maxTracked: p.maxTracked ?? 500,
      maxTrackedUnknownSender: p.maxTrackedUnknownSender ?? 100,
      maxKept: p.maxKept ?? 50,
      maxKeptBytes: p.maxKeptBytes ?? 4 * 1024 * 1024
    }
    this.kept = new KeptEnvelopes(init.store)
  }

  /**
   * What is known of envelope `id` before receiving it (no decrypt, no lookup): quarantined
   * before (ack it), failed moments ago (leave it), or nothing (receive it).
   */
  async check (id: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<KnownFailure | undefined> {
    // the common case (nothing failing) costs no lock once loaded
    if (this.tracked?.size === 0 && this.state?.entries.length === 0) return undefined
    const idHex = toHex(id)
    return this.lock.run(async () => {
      const { tracked, state } = await this.load(options)
      if (state.entries.some((e) => e.id === idHex)) return 'quarantined'
      const entry = tracked.get(idHex)
      if (entry != null && this.now() - entry.lastCountedAt < this.policy.attemptSpacingMs) return 'waiting'
      return undefined
    })
  }

  /**
   * Records that receiving envelope `id` failed with `err` and says what to do with it. Throws
   * only when the store fails (then leave the envelope at the relay).
   */
  async failed (id: Uint8Array, err: unknown, options: { signal?: AbortSignal, sealed?: Uint8Array } = {}): Promise<FailureVerdict> {
    const code = errorCode(err)
    const idHex = toHex(id)
    if (isPermanentReceiveError(code)) {
      this.log('envelope %s cannot be read, dropped: %s', idHex, code)
      return 'drop'
    }
    return this.lock.run(async () => {
      const { tracked, state } = await this.load(options)
      if (state.entries.some((e) => e.id === idHex)) return 'quarantine'
      const now = this.now()
      this.pruneStale(tracked, now)
      let entry = tracked.get(idHex)
      if (entry == null) {
        const budget = this.trackingBudget(tracked, code)
        if (budget != null) {
          // never quarantined for lack of room: a later drain tries it again
          this.log.error('envelope %s failed, left at the relay untracked: %d envelopes %s are failing already - %e', idHex, budget, code === UNKNOWN_SENDER_CODE ? 'of unknown senders' : 'of known senders', err)
          return 'retry'
        }
        entry = { id: idHex, code, attempts: 1, firstFailedAt: now, lastCountedAt: now }
      } else if (now - entry.lastCountedAt >= this.policy.attemptSpacingMs) {
        entry = { ...entry, attempts: entry.attempts + 1, lastCountedAt: now }
      }
      const limit = code === UNKNOWN_SENDER_CODE ? this.policy.unknownSenderMaxAttempts : this.policy.maxAttempts
      if (entry.attempts < limit && now - entry.firstFailedAt < this.policy.maxAgeMs) {
        tracked.set(idHex, entry)
        await this.saveTracked(tracked, options)
        this.log('envelope %s failed, attempt %d of %d, left at the relay: %e', idHex, entry.attempts, limit, err)
        return 'retry'
      }
      tracked.delete(idHex)
      const quarantined: QuarantinedEnvelope = { id: idHex, code, reason: reasonOf(err), attempts: entry.attempts, firstFailedAt: entry.firstFailedAt, quarantinedAt: now, kept: false }
      state.entries.push(quarantined)
      while (state.entries.length > this.policy.maxQuarantined) {
        const gone = state.entries.shift()
        if (gone?.kept === true) await this.kept.delete(gone.id, options)
        state.dropped++
      }
      if (options.sealed != null) await this.keep(state, quarantined, options.sealed, options)
      await this.saveState(state, options)
      await this.saveTracked(tracked, options)
      this.log.error('envelope %s quarantined after %d attempt(s)%s: %s', idHex, entry.attempts, quarantined.kept ? ', kept for a retry' : '', code)
      return 'quarantine'
    })
  }

  /**
   * Receives the kept envelopes of the quarantine again (after the sender's record appeared, or
   * a fix): each one received leaves the quarantine; each one failing again stays, with the new
   * reason. `receive` throws when it fails, as {@link MailboxSync}'s `onEnvelope` does.
   */
  async retry (receive: (envelope: Envelope) => Promise<void>, options: { signal?: AbortSignal } = {}): Promise<QuarantineRetry> {
    const ids = await this.lock.run(async () => (await this.load(options)).state.entries.filter((e) => e.kept).map((e) => e.id))
    const outcome: QuarantineRetry = { received: 0, failed: 0 }
    for (const id of ids) {
      options.signal?.throwIfAborted()
      const sealed = await this.kept.get(id, options)
      let failure: unknown
      try {
        if (sealed == null) throw new Error('The sealed envelope is no longer kept')
        await receive(decodeEnvelope(sealed))
      } catch (err) {
        failure = err
      }
      await this.lock.run(async () => {
        const { state } = await this.load(options)
        const at = state.entries.findIndex((e) => e.id === id)
        if (at < 0) return
        if (failure == null) {
          state.entries.splice(at, 1)
          await this.kept.delete(id, options)
        } else {
          state.entries[at] = { ...state.entries[at], code: errorCode(failure), reason: reasonOf(failure), attempts: state.entries[at].attempts + 1, kept: sealed != null }
        }
        await this.saveState(state, options)
      })
      if (failure == null) outcome.received++
      else {
        outcome.failed++
        this.log('quarantined envelope %s failed again - %e', id, failure)
      }
    }
    return outcome
  }

  /** Undefined when a new failure with `code` may be tracked; else how many of its kind are tracked (its budget is full). */
  private trackingBudget (tracked: Map<string, TrackedFailure>, code: string): number | undefined {
    const unknownSender = code === UNKNOWN_SENDER_CODE
    let count = 0
    for (const entry of tracked.values()) if ((entry.code === UNKNOWN_SENDER_CODE) === unknownSender) count++
    return count < (unknownSender ? this.policy.maxTrackedUnknownSender : this.policy.maxTracked) ? undefined : count
  }

  /** Keeps `sealed` with `entry`, dropping the oldest kept envelopes to stay within the bounds. */
  private async keep (state: QuarantineState, entry: QuarantinedEnvelope, sealed: Uint8Array, options: { signal?: AbortSignal }): Promise<void> {
    if (sealed.length > this.policy.maxKeptBytes || this.policy.maxKept <= 0) return
    const kept = state.entries.filter((e) => e.kept)
    let bytes = state.keptBytes ?? 0
    while (kept.length > 0 && (kept.length + 1 > this.policy.maxKept || bytes + sealed.length > this.policy.maxKeptBytes)) {
      const oldest = kept.shift() as QuarantinedEnvelope
      bytes -= await this.kept.delete(oldest.id, options)
      oldest.kept = false
    }
    await this.kept.put(entry.id, sealed, options)
    entry.kept = true
    state.keptBytes = Math.max(0, bytes) + sealed.length
  }

  private async saveState (state: QuarantineState, options: { signal?: AbortSignal }): Promise<void> {
    await this.store.settings.put(SETTINGS_QUARANTINE, state as unknown as StoredValue, options)
  }

  /** Envelope `id` was received after all: forget its failures. */
  async succeeded (id: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    // the common case (no failure ever) costs no store access once loaded
    if (this.tracked != null && this.tracked.size === 0) return
    const idHex = toHex(id)
    await this.lock.run(async () => {
      const { tracked } = await this.load(options)
      if (tracked.delete(idHex)) await this.saveTracked(tracked, options)
    })
  }

  /** Quarantined envelopes, oldest first. */
  async list (options: { signal?: AbortSignal } = {}): Promise<QuarantinedEnvelope[]> {
    return this.lock.run(async () => (await this.load(options)).state.entries.map((e) => ({ ...e, kept: e.kept === true })))
  }

  /** How many envelopes were quarantined, including entries dropped to keep the list bounded. */
  async count (options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.lock.run(async () => {
      const { state } = await this.load(options)
      return state.entries.length + state.dropped
    })
  }

  /** Tracked failures whose envelope did not fail again for `maxAgeMs` are gone from the relay. */
  private pruneStale (tracked: Map<string, TrackedFailure>, now: number): void {
    for (const [id, entry] of tracked) {
      if (now - entry.lastCountedAt > this.policy.maxAgeMs) tracked.delete(id)
    }
  }

  private async saveTracked (tracked: Map<string, TrackedFailure>, options: { signal?: AbortSignal }): Promise<void> {
    await this.store.settings.put(SETTINGS_TRACKED, [...tracked.values()] as unknown as StoredValue, options)
  }

  private async load (options: { signal?: AbortSignal }): Promise<{ tracked: Map<string, TrackedFailure>, state: QuarantineState }> {
    if (this.tracked == null || this.state == null) {
      const tracked = await this.store.settings.get(SETTINGS_TRACKED, options)
      const state = await this.store.settings.get(SETTINGS_QUARANTINE, options)
      this.tracked = new Map((Array.isArray(tracked) ? tracked as unknown as TrackedFailure[] : []).map((e) => [e.id, e]))
      this.state = isQuarantineState(state) ? state : { entries: [], dropped: 0 }
    }
    return { tracked: this.tracked, state: this.state }
  }
}

function isQuarantineState (value: StoredValue | undefined): value is StoredValue & QuarantineState {
  return value != null && typeof value === 'object' && Array.isArray((value as { entries?: unknown }).entries) && typeof (value as { dropped?: unknown }).dropped === 'number'
}
