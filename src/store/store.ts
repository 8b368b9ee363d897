import type { Datastore } from 'interface-datastore'
import type { ContactRepo } from './contact-repo.js'
import type { ConversationRepo } from './conversation-repo.js'
import type { ExpiryRepo } from './expiry-repo.js'
import type { IdentityRepo } from './identity-repo.js'
import type { MessageRepo } from './message-repo.js'
import type { OutboxRepo } from './outbox-repo.js'
import type { ReceiptRepo } from './receipt-repo.js'
import type { SessionRepo } from './session-repo.js'
import type { SettingsRepo } from './settings-repo.js'
import type { SecretChatRepo } from './secret-chat-repo.js'
import type { AccountRecordRepo } from './account-record-repo.js'
import type { PeerConversationRepo } from './peer-conversation-repo.js'
import type { PreferenceRepo } from './preference-repo.js'
import type { GroupRepo } from './group-repo.js'
import type { ChannelRepo } from './channel-repo.js'
import type { StoreOptions } from './types.js'

/**
 * The typed repositories, as seen inside and outside a transaction.
 */
export interface StoreRepos {
  readonly identity: IdentityRepo
  readonly contacts: ContactRepo
  readonly sessions: SessionRepo
  readonly conversations: ConversationRepo
  readonly messages: MessageRepo
  readonly outbox: OutboxRepo
  readonly receipts: ReceiptRepo
  readonly expiry: ExpiryRepo
  readonly settings: SettingsRepo
  readonly secretChats: SecretChatRepo
  readonly accountRecords: AccountRecordRepo
  /** The normal conversation with each account (`conversations.byPeer`). */
  readonly peerConversations: PeerConversationRepo
  readonly preferences: PreferenceRepo
  /** Groups: membership log, state and sender chains (issue #20). */
  readonly groups: GroupRepo
  /** Broadcast channels owned or followed, and their posts. */
  readonly channels: ChannelRepo
}

/**
 * Repositories bound to one transaction: their writes are staged and committed together;
 * their point reads see the transaction's own writes.
 */
export type StoreTransaction = StoreRepos

/**
 * Runs `fn` as one part of the enclosing transaction: its writes join the transaction when it
 * resolves and are discarded when it throws (the error is passed on; the transaction and its
 * other parts go on). Its reads see the transaction's writes so far, its own first. Parts run
 * one after another.
 */
export type TransactionPart = <U>(fn: (tx: StoreTransaction) => Promise<U>) => Promise<U>

/**
 * Parley's persistence: one encrypted database per account, the same interface over LevelDB
 * (Node), IndexedDB (browsers) and memory (tests). Each write outside `transaction()` is its
 * own atomic batch.
 *
 * @example
 * ```ts
 * const store = await openStore({ location: dir, passphrase })
 * await store.transaction(async (tx) => {
 *   await tx.messages.put(message)
 *   await tx.sessions.put(myDevice, theirDevice, ratchetState)
 *   await tx.outbox.delete(ackedEnvelopeId)
 * })
 * await store.close()
 * ```
 */
export interface Store extends StoreRepos {
  /** Schema version of the open database. */
  readonly version: number
  /** Name of the value AEAD (`xchacha20-poly1305` or `aes-256-gcm (webcrypto, non-extractable)`). */
  readonly scheme: string
  /** libp2p's datastore over the same database (prefix `/ds/`). */
  readonly datastore: Datastore

  /**
   * Runs `fn` with repositories whose writes are committed in one backend batch when `fn`
   * resolves (nothing is written if it throws). Transactions are serialised. Inside `fn`, use
   * only `tx`: writing through the store itself would wait for this transaction forever.
   * `part` runs a piece of the transaction that may fail alone ({@link TransactionPart}): one
   * transaction for many received envelopes, a poison one leaving nothing of itself.
   */
  transaction: <T>(fn: (tx: StoreTransaction, part: TransactionPart) => Promise<T>, options?: StoreOptions) => Promise<T>

  /**
   * Re-wraps the store key under a new passphrase (no data is re-encrypted), then purges the
   * old keyring record from the database files (LevelDB) before resolving.
   */
  changePassphrase: (oldPassphrase: string, newPassphrase: string, options?: StoreOptions) => Promise<void>

  /**
   * Purges now, instead of at most `compactionDelayMs` later, the old values that deletes and
   * replacements left in LevelDB's files (a no-op for IndexedDB and memory). See docs/store.md.
   */
  compactDeleted: (options?: StoreOptions) => Promise<void>

  /** True when the store holds nothing but its own version and key records (no account, no data). */
  isBlank: (options?: StoreOptions) => Promise<boolean>

  /**
   * Erases everything (delete-account / self-destruct): clears the database, compacts it so
   * deleted values leave the files, closes, forgets the keys and removes the database (directory
   * or IndexedDB databases, unless `keepFiles`).
   */
  wipe: (options?: StoreOptions & { keepFiles?: boolean }) => Promise<void>

  /** Closes the database and zeroes the key material held in memory. */
  close: (options?: StoreOptions) => Promise<void>
}
