import type { Logger } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { ErrorCode, codeOf, isPermanentReceiveError } from '../../errors.js'
import type { Store, StoredValue } from '../../store/index.js'
import { Mutex } from '../../mutex.js'

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
  /** Envelopes whose failures are tracked at once; when full, a new failure is quarantined at once. @default 500 */
  maxTracked?: number
}

/** One envelope this device gave up on: acked at the relay, its contents discarded. */
export interface QuarantinedEnvelope {
  /** Envelope id (hex). */
  id: string
  /** Stable error code of the last failure, e.g. `ERR_ACCOUNT_NOT_FOUND`. */
  code: string
  /** Its message, shortened. */
  reason: string
  /** Counted failed attempts. */
  attempts: number
  firstFailedAt: number
  quarantinedAt: number
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
  attempts: number
  firstFailedAt: number
  lastCountedAt: number
}

interface QuarantineState {
  entries: QuarantinedEnvelope[]
  /** Entries dropped to keep the quarantine bounded. */
  dropped: number
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
 * so it never holds back the mail behind it. Both the retry counts and the quarantine live in
 * the encrypted store (two settings values), so restarts do not reset them.
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
      maxTracked: p.maxTracked ?? 500
    }
  }

  /**
   * Records that receiving envelope `id` failed with `err` and says what to do with it. Throws
   * only when the store fails (then leave the envelope at the relay).
   */
  async failed (id: Uint8Array, err: unknown, options: { signal?: AbortSignal } = {}): Promise<FailureVerdict> {
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
        entry = { id: idHex, attempts: 1, firstFailedAt: now, lastCountedAt: now }
      } else if (now - entry.lastCountedAt >= this.policy.attemptSpacingMs) {
        entry = { ...entry, attempts: entry.attempts + 1, lastCountedAt: now }
      }
      const limit = code === UNKNOWN_SENDER_CODE ? this.policy.unknownSenderMaxAttempts : this.policy.maxAttempts
      const full = !tracked.has(idHex) && tracked.size >= this.policy.maxTracked
      if (entry.attempts < limit && now - entry.firstFailedAt < this.policy.maxAgeMs && !full) {
        tracked.set(idHex, entry)
        await this.saveTracked(tracked, options)
        this.log('envelope %s failed, attempt %d of %d, left at the relay: %e', idHex, entry.attempts, limit, err)
        return 'retry'
      }
      tracked.delete(idHex)
      const reason = err instanceof Error ? err.message.slice(0, MAX_REASON_CHARS) : String(err).slice(0, MAX_REASON_CHARS)
      state.entries.push({ id: idHex, code, reason, attempts: entry.attempts, firstFailedAt: entry.firstFailedAt, quarantinedAt: now })
      while (state.entries.length > this.policy.maxQuarantined) {
        state.entries.shift()
        state.dropped++
      }
      await this.store.settings.put(SETTINGS_QUARANTINE, state as unknown as StoredValue, options)
      await this.saveTracked(tracked, options)
      this.log.error('envelope %s quarantined after %d attempt(s)%s: %s', idHex, entry.attempts, full ? ' (too many failing envelopes tracked)' : '', code)
      return 'quarantine'
    })
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
    return this.lock.run(async () => (await this.load(options)).state.entries.map((e) => ({ ...e })))
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
