import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { QuotaExceededError } from '../errors.js'

/** Quotas of mailboxes that no owner has ever authenticated (anyone can create one by depositing). */
export interface UnownedLimits {
  /** Relay default DEFAULT_MAX_UNOWNED_MAILBOXES. */
  maxUnownedMailboxes: number
  /** Relay default DEFAULT_UNOWNED_MAILBOX_MAX_BYTES. */
  unownedMailboxMaxBytes: number
  /** Relay default DEFAULT_UNOWNED_MAILBOX_MAX_ENVELOPES. */
  unownedMailboxMaxEnvelopes: number
}

/**
 * The unowned mailboxes a relay holds, oldest first. A deposit to a device key that never
 * authenticated here creates one: junk addressed to random keys lands in them, so they get small
 * quotas of their own (mailboxes, envelopes, bytes; their envelopes a short retention, set by the
 * server) and are the first to go when an owner's deposit finds the relay full. A mailbox leaves
 * the set when its owner authenticates, or when it empties or is purged.
 *
 * @example
 * ```ts
 * const unowned = new UnownedMailboxes(limits)
 * const refusal = unowned.refusal({ count: 0, bytes: 0 }, 1024, true, 0)
 * if (refusal == null) unowned.add(mailbox)
 * for (const mailbox of unowned.oldestFirst()) { … }
 * ```
 */
export class UnownedMailboxes {
  /** Insertion order = first deposit, oldest first. */
  private readonly order = new Set<string>()

  constructor (private readonly limits: UnownedLimits) {}

  get size (): number { return this.order.size }

  has (mailbox: string): boolean { return this.order.has(mailbox) }

  add (mailbox: string): void { this.order.add(mailbox) }

  delete (mailbox: string): void { this.order.delete(mailbox) }

  /** A snapshot, oldest first. */
  oldestFirst (): string[] { return [...this.order] }

  /** The oldest, if any. */
  oldest (): string | undefined { return this.order.values().next().value }

  /**
   * Why a deposit of `size` bytes to an unowned mailbox holding `held` is refused, or undefined;
   * `isNew` when the deposit would create it, `pendingNew` unowned mailboxes already being
   * created in the same write.
   */
  refusal (held: { count: number, bytes: number }, size: number, isNew: boolean, pendingNew: number): QuotaExceededError | undefined {
    if (isNew && this.order.size + pendingNew >= this.limits.maxUnownedMailboxes) {
      return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes no owner has authenticated', 'unowned_mailboxes')
    }
    if (held.count + 1 > this.limits.unownedMailboxMaxEnvelopes) {
      return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `A mailbox no owner has authenticated holds at most ${this.limits.unownedMailboxMaxEnvelopes} envelopes`, 'unowned_mailbox_envelopes')
    }
    if (held.bytes + size > this.limits.unownedMailboxMaxBytes) {
      return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `A mailbox no owner has authenticated holds at most ${this.limits.unownedMailboxMaxBytes} bytes`, 'unowned_mailbox_bytes')
    }
    return undefined
  }
}
