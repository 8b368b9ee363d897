import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { QuotaExceededError } from '../errors.js'
import type { MailboxCounters, MailboxStats } from './counters.js'
import type { MailboxStoreLimits } from './types.js'

/** One deposit about to join a write, as the quota checks see it. */
export interface QuotaCheck {
  /** Counters of its mailbox, with the deposits before it in the same write. */
  held: MailboxStats
  /** Envelope bytes. */
  size: number
  /** The deposit would create its mailbox. */
  isNew: boolean
  /** Mailboxes created by the deposits before it in the same write. */
  pendingNew: number
  /** Bytes added by the deposits before it in the same write. */
  pendingBytes: number
  /** The depositor's byte-share tag (0: none). */
  depositor: number
}

/**
 * Why a deposit is refused, checked in order: the relay's mailbox count, an unowned mailbox's
 * own quotas, the mailbox's envelopes and bytes, the depositing address's share of storage, and
 * the relay's storage cap; undefined when it fits. Takes nothing: the caller counts the share.
 */
export function depositRefusal (counters: MailboxCounters, limits: MailboxStoreLimits, d: QuotaCheck): QuotaExceededError | undefined {
  const { held: s, size } = d
  if (d.isNew && counters.stats.size + d.pendingNew >= limits.maxMailboxes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
  if (s.owned !== true) {
    const refusal = counters.unowned.refusal(s, size, d.isNew, d.pendingNew)
    if (refusal != null) return refusal
  }
  if (s.count + 1 > limits.mailboxMaxEnvelopes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox holds ${s.count} envelopes (limit ${limits.mailboxMaxEnvelopes})`, 'mailbox_envelopes')
  if (s.bytes + (s.prekeyBytes ?? 0) + size > limits.mailboxMaxBytes) return new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox byte quota (${limits.mailboxMaxBytes}) exceeded`, 'mailbox_bytes')
  const share = counters.shares.refusal(d.depositor, size)
  if (share != null) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${share === 'address' ? 'network address' : 'IPv6 /48 network'} holds its share of the relay's storage; try later`, share === 'address' ? 'address_storage' : 'network_storage')
  if (counters.totalBytes + d.pendingBytes + size > limits.storageMaxBytes) return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay storage is full', 'storage')
  return undefined
}
