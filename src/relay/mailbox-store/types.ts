import type { ComponentLogger, Logger } from '@libp2p/interface'
import type { Level } from 'level'
import type { MailboxPrekey } from '../../wire/mailbox.js'
import type { RelayLimits } from '../config/limits.js'
import type { KeyedMutex } from '../../mutex.js'
import type { MailboxCounters } from './counters.js'
import type { WriteGate } from './write-gate.js'

/** The mailbox database: utf8 keys, byte values. */
export type MailboxDb = Level<string, Uint8Array>

/** One write of a database batch. */
export type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

/** Limits the store enforces on every write (fields of {@link RelayLimits}). */
export type MailboxStoreLimits = Pick<RelayLimits, 'mailboxMaxEnvelopes' | 'mailboxMaxBytes' | 'storageMaxBytes' | 'maxMailboxes' | 'maxPrekeysPerMailbox'> &
Partial<Pick<RelayLimits, 'storedBytesPerAddress' | 'maxUnownedMailboxes' | 'unownedMailboxMaxBytes' | 'unownedMailboxMaxEnvelopes' | 'mailboxPrekeyMaxBytes' | 'ownedMailboxesPerAddress'>> & {
  /** Size of the held-id Bloom filter in bits (a power of two). @default HeldIdFilter.bitsFor(storageMaxBytes) */
  idFilterBits?: number
}

/** What the store reports beyond its return values (metrics), and where it logs. */
export interface MailboxStoreEvents {
  /** Unowned mailboxes purged to make room for an owner's deposit or a new owner. */
  onUnownedEvicted?: (mailboxes: number) => void
  /** Provisional owned mailboxes (see `MailboxStats.provisional`) purged to make room for a new mailbox. */
  onProvisionalEvicted?: (mailboxes: number) => void
  /** @default silent */
  logger?: ComponentLogger
  /** How often a store whose write failed with an I/O error (a full disk) checks whether it can reopen, ms. @default DISK_RECOVERY_POLL_MS */
  diskRecoveryPollMs?: number
}

export interface DepositInput {
  /** Hex of the recipient device key. */
  mailbox: string
  /** Hex of the envelope id. */
  id: string
  /** Envelope bytes, stored as received. */
  bytes: Uint8Array
  /** Effective expiry (ms). */
  expiresAt: number
  /** Expiry (ms) instead, when the mailbox has no owner (decided by the store, in the write). */
  unownedExpiresAt?: number
  secret: boolean
  now: number
  /** The depositor's byte-share tag (`MailboxStore.depositorTag`); 0 or absent: counted in no share. */
  depositor?: number
}

export interface DepositResult {
  duplicate: boolean
}

export interface FetchPage {
  envelopes: Uint8Array[]
  cursor: string
  more: boolean
}

export interface TakenPrekey {
  prekey: MailboxPrekey
  lastResort: boolean
}

/** What a prekey take handed out. */
export interface PrekeyTake {
  prekeys: TakenPrekey[]
  /** The mailbox held one-time keys but its budget was spent: last-resort keys only. */
  withheld: boolean
}

/** What the store's parts share: the database, the per-mailbox lock, the counters, the limits. */
export interface StoreParts {
  readonly db: MailboxDb
  readonly mutex: KeyedMutex
  readonly counters: MailboxCounters
  readonly limits: MailboxStoreLimits
  readonly log: Logger
  /** Every write goes through it: refused after an I/O error until the database is reopened. */
  readonly gate: WriteGate
}
