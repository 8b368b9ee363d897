import type { Datastore } from 'interface-datastore'
import type { Logger } from '@libp2p/interface'
import { CompactionScheduler, type CompactionSchedulerInit } from './compaction-scheduler.js'
import { holdsOnly } from './key-source.js'
import { PREFIX } from './keys.js'
import { ContactRepo } from './contact-repo.js'
import { ConversationRepo } from './conversation-repo.js'
import { StoreClosedError, StoreUnsupportedError } from './errors.js'
import { ExpiryRepo } from './expiry-repo.js'
import { IdentityRepo } from './identity-repo.js'
import { MessageRepo } from './message-repo.js'
import { OutboxRepo } from './outbox-repo.js'
import { ReceiptRepo } from './receipt-repo.js'
import type { RepoContext } from './repo-context.js'
import type { SealedKv } from './sealed-kv.js'
import { SessionRepo } from './session-repo.js'
import { SettingsRepo } from './settings-repo.js'
import { SecretChatRepo } from './secret-chat-repo.js'
import { AccountRecordRepo } from './account-record-repo.js'
import { PeerConversationRepo } from './peer-conversation-repo.js'
import { PreferenceRepo } from './preference-repo.js'
import { GroupRepo } from './group-repo.js'
import { ChannelRepo } from './channel-repo.js'
import { StoreDatastore } from './store-datastore.js'
import type { Store, StoreRepos, StoreTransaction, TransactionPart } from './store.js'
import type { StoreOptions } from './types.js'
import { Mutex } from '../mutex.js'
import { WriteScope } from './write-scope.js'

/** Key operations that depend on how the store key is kept. */
export interface KeyControl {
  changePassphrase?: (oldPassphrase: string, newPassphrase: string, signal?: AbortSignal) => Promise<void>
  /** Removes the database and any key material kept outside it (after close). */
  destroy?: () => Promise<void>
}

function repos (ctx: RepoContext): StoreRepos {
  return {
    identity: new IdentityRepo(ctx),
    contacts: new ContactRepo(ctx),
    sessions: new SessionRepo(ctx),
    conversations: new ConversationRepo(ctx),
    messages: new MessageRepo(ctx),
    outbox: new OutboxRepo(ctx),
    receipts: new ReceiptRepo(ctx),
    expiry: new ExpiryRepo(ctx),
    settings: new SettingsRepo(ctx),
    secretChats: new SecretChatRepo(ctx),
    accountRecords: new AccountRecordRepo(ctx),
    peerConversations: new PeerConversationRepo(ctx),
    preferences: new PreferenceRepo(ctx),
    groups: new GroupRepo(ctx),
    channels: new ChannelRepo(ctx)
  }
}

/** The {@link Store} implementation shared by every backend; made by the `open*` functions. */
export class ParleyStore implements Store {
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
  readonly peerConversations: PeerConversationRepo
  readonly preferences: PreferenceRepo
  readonly groups: GroupRepo
  readonly channels: ChannelRepo
  readonly datastore: Datastore
  readonly version: number
  readonly scheme: string
  private readonly skv: SealedKv
  private readonly lock = new Mutex()
  private readonly keys: KeyControl
  private readonly compaction: CompactionScheduler

  constructor (skv: SealedKv, version: number, keys: KeyControl, options: { log: Logger, compaction?: CompactionSchedulerInit }) {
    this.skv = skv
    this.version = version
    this.scheme = skv.cipher.scheme
    this.keys = keys
    this.compaction = new CompactionScheduler(skv.kv, async (fn) => { await this.lock.run(fn) }, options.log, options.compaction)
    skv.onPurgeable = (keys) => { this.compaction.mark(keys) }
    const ctx: RepoContext = {
      skv,
      read: async (key) => await skv.get(key),
      write: async (fn, signal) => await this.lock.run(async () => {
        const scope = new WriteScope(skv)
        const out = await fn(scope)
        signal?.throwIfAborted()
        await scope.commit()
        return out
      }, { signal })
    }
    const r = repos(ctx)
    this.identity = r.identity
    this.contacts = r.contacts
    this.sessions = r.sessions
    this.conversations = r.conversations
    this.messages = r.messages
    this.outbox = r.outbox
    this.receipts = r.receipts
    this.expiry = r.expiry
    this.settings = r.settings
    this.secretChats = r.secretChats
    this.accountRecords = r.accountRecords
    this.peerConversations = r.peerConversations
    this.preferences = r.preferences
    this.groups = r.groups
    this.channels = r.channels
    this.datastore = new StoreDatastore(skv)
  }

  async transaction<T> (fn: (tx: StoreTransaction, part: TransactionPart) => Promise<T>, options: StoreOptions = {}): Promise<T> {
    this.skv.check()
    return await this.lock.run(async () => {
      const scope = new WriteScope(this.skv)
      const bind = (s: WriteScope): StoreTransaction => repos({
        skv: this.skv,
        read: async (key) => await s.read(key),
        write: async (f) => await f(s)
      })
      const tx = bind(scope)
      let inPart = false
      const part: TransactionPart = async (f) => {
        if (inPart) throw new StoreUnsupportedError('parts of a transaction run one after another')
        inPart = true
        try {
          const child = scope.part()
          const result = await f(bind(child))
          await child.commit()
          return result
        } finally {
          inPart = false
        }
      }
      const out = await fn(tx, part)
      options.signal?.throwIfAborted()
      await scope.commit()
      return out
    }, options)
  }

  async changePassphrase (oldPassphrase: string, newPassphrase: string, options: StoreOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.skv.check()
    const change = this.keys.changePassphrase
    if (change === undefined) throw new StoreUnsupportedError('this store is not protected by a passphrase')
    await this.lock.run(async () => { await change(oldPassphrase, newPassphrase, options.signal) }, options)
    // the old record still unwraps the store key with the old passphrase: purge it now
    this.compaction.mark([PREFIX.keyring])
    await this.compaction.runNow(options)
  }

  async compactDeleted (options: StoreOptions = {}): Promise<void> {
    this.skv.check()
    await this.compaction.runNow(options)
  }

  async isBlank (options: StoreOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    this.skv.check()
    return await holdsOnly(this.skv.kv, [PREFIX.version, PREFIX.keyring, PREFIX.keycheck])
  }

  async wipe (options: StoreOptions & { keepFiles?: boolean } = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.skv.check()
    await this.compaction.cancel()
    await this.lock.run(async () => {
      await this.skv.kv.clear()
      await this.skv.kv.compact()
      await this.shut()
    })
    if (options.keepFiles !== true) await this.keys.destroy?.()
  }

  async close (options: StoreOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.skv.closed) return
    await this.compaction.stop()
    await this.lock.run(async () => { await this.shut() })
  }

  private async shut (): Promise<void> {
    if (this.skv.closed) throw new StoreClosedError()
    this.skv.closed = true
    this.skv.cipher.destroy()
    await this.skv.kv.close()
  }
}
