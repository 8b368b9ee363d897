import { StoredEnvelope } from '../../wire/relay-store.js'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { RelayRefusal, type QuotaExceededError } from '../errors.js'
import type { HeldIds } from './held-ids.js'
import { K, PRESENT, enc, type SeqClock } from './keys.js'
import type { MailboxStats } from './counters.js'
import { depositRefusal } from './quotas.js'
import type { BatchOp, DepositInput, DepositResult, StoreParts } from './types.js'

/** Most deposits written in one database batch. */
export const MAX_DEPOSIT_GROUP = 512

interface QueuedDeposit {
  input: DepositInput
  resolve: (result: DepositResult) => void
  reject: (err: Error) => void
}

/**
 * Group commit of deposits: those arriving while a write is under way go to the database
 * together in the next batch (one id lookup, one write for up to {@link MAX_DEPOSIT_GROUP}),
 * each still checked in arrival order against its mailbox's and the relay's quotas.
 */
export class DepositBatcher {
  private readonly queue: QueuedDeposit[] = []
  private committing = false
  private readonly waiters: Array<() => void> = []

  constructor (private readonly parts: StoreParts, private readonly heldIds: HeldIds, private readonly seqs: SeqClock, private readonly isOpen: () => boolean) {}

  /** Queues a deposit; resolves once its group is on disk (or rejects with its refusal). */
  async enqueue (input: DepositInput): Promise<DepositResult> {
    if (!this.isOpen()) throw new RelayRefusal(MailboxErrorCode.SHUTTING_DOWN, 'Relay is shutting down (mailbox store closed)')
    const { promise, resolve, reject } = Promise.withResolvers<DepositResult>()
    this.queue.push({ input, resolve, reject })
    if (!this.committing) void this.commitQueued()
    return await promise
  }

  /** Resolves once no group is being written (queued deposits included). */
  async idle (): Promise<void> {
    if (this.committing) await new Promise<void>((resolve) => { this.waiters.push(resolve) })
  }

  private async commitQueued (): Promise<void> {
    this.committing = true
    try {
      // let deposits decoded in this turn join the first group
      await new Promise<void>((resolve) => { setImmediate(resolve) })
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_DEPOSIT_GROUP)
        try {
          const results = await this.parts.mutex.runMany(group.map((d) => d.input.mailbox), async () => await this.commitGroup(group.map((d) => d.input)))
          results.forEach((r, i) => { if (r instanceof Error) group[i].reject(r); else group[i].resolve(r) })
        } catch (err) {
          // every deposit of the group hears it (the server logs internal failures per request)
          for (const d of group) d.reject(err as Error)
        }
      }
    } finally {
      this.committing = false
      for (const wake of this.waiters.splice(0)) wake()
    }
  }

  /** Checks and writes one group of deposits in one batch; runs holding every mailbox of the group. */
  private async commitGroup (inputs: DepositInput[]): Promise<Array<DepositResult | QuotaExceededError>> {
    const { db, counters, limits } = this.parts
    const idKeys = inputs.map((d) => K.id(d.mailbox, d.id))
    const held = await this.heldIds.lookUp(idKeys)
    const ops: BatchOp[] = []
    const changed = new Map<string, MailboxStats>()
    const taken = new Set<string>()
    /** Share bytes counted in this group, released again if the batch fails. */
    const counted: Array<[number, number]> = []
    let created = 0
    let addedBytes = 0
    let addedCount = 0
    const results = inputs.map((input, i): DepositResult | QuotaExceededError => {
      if (held[i] !== undefined || taken.has(idKeys[i])) return { duplicate: true }
      const known = counters.stats.has(input.mailbox) || changed.has(input.mailbox)
      const s = changed.get(input.mailbox) ?? counters.of(input.mailbox)
      const size = input.bytes.length
      const depositor = input.depositor ?? 0
      const refusal = depositRefusal(counters, limits, { held: s, size, isNew: !known, pendingNew: created, pendingBytes: addedBytes, depositor })
      if (refusal != null) return refusal
      counters.shares.add(depositor, size)
      counted.push([depositor, size])
      if (!known) created++
      const seq = this.seqs.next(input.now)
      const stored = StoredEnvelope.encode({ envelope: input.bytes, storedAt: BigInt(input.now), expiresAt: BigInt(input.expiresAt), secret: input.secret, depositor: BigInt(depositor) })
      ops.push(
        { type: 'put', key: K.body(seq), value: stored },
        { type: 'put', key: K.listed(input.mailbox, seq), value: PRESENT },
        { type: 'put', key: idKeys[i], value: enc.encode(seq) },
        { type: 'put', key: K.exp(input.expiresAt, input.mailbox, seq), value: PRESENT }
      )
      const next = known ? { ...s, count: s.count + 1, bytes: s.bytes + size } : { ...s, count: 1, bytes: size, since: input.now }
      // something was deposited to it: an owned mailbox is provisional no more
      if (next.provisional === true) delete next.provisional
      changed.set(input.mailbox, next)
      taken.add(idKeys[i])
      addedBytes += size
      addedCount++
      return { duplicate: false }
    })
    if (ops.length === 0) return results
    for (const [mailbox, s] of changed) ops.push({ type: 'put', key: K.stats(mailbox), value: enc.encode(JSON.stringify(s)) })
    try {
      await this.parts.gate.write(async () => { await db.batch(ops) })
    } catch (err) {
      for (const [depositor, size] of counted) counters.shares.remove(depositor, size)
      throw err
    }
    this.heldIds.added(taken)
    // counters move only once the batch is on disk
    for (const [mailbox, s] of changed) {
      counters.stats.set(mailbox, s)
      if (s.owned !== true) counters.unowned.add(mailbox) // kept in place when already there
      else counters.provisional.delete(mailbox)
    }
    counters.totalEnvelopes += addedCount
    counters.totalBytes += addedBytes
    return results
  }
}
