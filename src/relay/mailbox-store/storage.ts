import type { AbortOptions } from '@libp2p/interface'
import type { MailboxOwner } from '../../wire/relay-store.js'
import type { AddressKeys } from '../../net/remote-address.js'
import type { QuotaExceededError } from '../errors.js'
import type { PrekeyUpload, TakeOptions } from './prekey-pool.js'
import type { DepositInput, DepositResult, FetchPage, PrekeyTake } from './types.js'

/** What the relay knows of one mailbox when an owner authenticates or a deposit arrives. */
export interface MailboxState {
  owned: boolean
  envelopes: number
  oneTimePrekeys: number
}

/** Totals for the relay's gauges (the whole fleet's, for a shared database; refreshed in the background there). */
export interface StorageGauges {
  mailboxes: number
  unownedMailboxes: number
  provisionalMailboxes: number
  totalEnvelopes: number
  totalBytes: number
}

/** An envelope deposited through another relay process of the fleet (shared-database backends only). */
export interface RemoteDeposit {
  mailbox: string
  id: string
  bytes: Uint8Array
  secret: boolean
}

/** The database's state for `/healthz` and the metrics. */
export interface StorageHealth {
  backend: 'leveldb' | 'postgres'
  /** False while the database cannot be reached (deposits are refused with a retryable code). */
  ok: boolean
  /** Why not, when not ok. */
  error?: string
}

/**
 * The relay's mailbox storage, whatever holds it: mailboxes, envelopes and their ids, owners,
 * quotas and per-address shares, prekey pools. Two implementations: `MailboxStore` (an embedded
 * LevelDB, one process) and `PgMailboxStore` (PostgreSQL, any number of relay processes on one
 * database). Every write is on disk (committed) before its promise resolves; refusals are typed
 * (`QuotaExceededError`, `RelayRefusal`).
 */
export interface MailboxStorage {
  readonly backend: StorageHealth['backend']
  open: (options?: AbortOptions) => Promise<void>
  close: () => Promise<void>
  deposit: (input: DepositInput, options?: AbortOptions) => Promise<DepositResult>
  fetch: (mailbox: string, cursor: string, limit: number, maxBytes: number, now: number, options?: AbortOptions) => Promise<FetchPage>
  ack: (mailbox: string, ids: string[], options?: AbortOptions) => Promise<number>
  deleteExpired: (now: number, options?: AbortOptions) => Promise<number>
  purgeMailbox: (mailbox: string, options?: AbortOptions & { onlyUnowned?: boolean, onlyProvisional?: boolean }) => Promise<number | undefined>
  purgeProvisional: (before: number, options?: AbortOptions) => Promise<number>
  getOwner: (mailbox: string, options?: AbortOptions) => Promise<MailboxOwner | undefined>
  setOwner: (mailbox: string, owner: MailboxOwner, options?: AbortOptions & { creator?: number }) => Promise<void>
  owners: () => AsyncGenerator<[string, MailboxOwner]>
  putPrekeys: (mailbox: string, upload: PrekeyUpload, options?: AbortOptions) => Promise<number>
  takePrekeys: (mailbox: string, options?: TakeOptions) => Promise<PrekeyTake>
  /** The byte-share tag of a depositor's address keys (compute once per connection). */
  depositorTag: (keys: AddressKeys | undefined) => number
  mailboxState: (mailbox: string, options?: AbortOptions) => Promise<MailboxState>
  /** Why a first login from `creator` (a share tag) would be refused by its address's owned-mailbox share, or undefined. */
  checkOwnedShare: (creator: number, options?: AbortOptions) => Promise<QuotaExceededError | undefined>
  gauges: () => StorageGauges
  health: () => StorageHealth
  /**
   * Envelopes deposited through other processes sharing the database (only for mailboxes `wants`
   * names; read only then); a no-op for a single-process store. `subscribed` lists those
   * mailboxes: what was deposited for them while this process could not hear the others is
   * handed over once it can again. Returns an unsubscribe.
   */
  onRemoteDeposit: (listener: (deposit: RemoteDeposit) => void, wants?: (mailbox: string) => boolean, subscribed?: () => Iterable<string>) => () => void
  /**
   * Runs the store's part of a sweep (expiry, inactivity and provisional purges) unless another
   * process sharing the database runs one now (`{ ran: false }`); absent for a single-process store.
   */
  sweepExclusively?: <T>(work: () => Promise<T>, options?: AbortOptions) => Promise<{ ran: true, result: T } | { ran: false }>
}
