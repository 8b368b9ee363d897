import type { Messenger } from '../messenger/messenger.js'
import type { MessengerApi, MessengerEvents } from '../messenger/types.js'
import type { ParleyNode } from '../node/parley-node.js'
import type { Store } from '../store/index.js'
import { TypedEvents } from '../events.js'
import type { StoreLock } from './store-lock.js'

/**
 * A running Parley messenger in this tab. `stop()` also closes the store and releases the tab
 * lock, so another tab (or a later `createParley`) can open the same account.
 */
export interface Parley extends MessengerApi {
  /** The device under the messenger (libp2p, keys); for diagnostics and tests. */
  readonly node: ParleyNode
  /** IndexedDB name of this account's store. */
  readonly storageName: string
}

/** What `createParley` opened, handed to the {@link RunningParley} that owns it. */
export interface OpenedParts {
  messenger: Messenger
  node: ParleyNode
  store: Store
  lock: StoreLock
  storageName: string
}

/**
 * The {@link Parley} that `createParley` returns: the messenger's API, by delegation, over the
 * node, store and tab lock that `createParley` opened. It owns them (ownership by construction):
 * `stop()` stops the messenger, then the node, closes the store and releases the lock, in that
 * order. Events are the messenger's: listeners added here are added to it.
 */
export class RunningParley extends TypedEvents<MessengerEvents> implements Parley {
  readonly node: ParleyNode
  readonly storageName: string
  private readonly messenger: MessengerApi
  private readonly store: Store
  private readonly lock: StoreLock
  private stopping: Promise<void> | undefined

  constructor (parts: OpenedParts) {
    super()
    this.messenger = parts.messenger
    this.node = parts.node
    this.store = parts.store
    this.lock = parts.lock
    this.storageName = parts.storageName
    // a wiped account (deleted, or past its inactivity period) lets go of the tab at once
    this.messenger.addEventListener('wiped', () => { this.lock.release() }, { once: true })
  }

  override addEventListener<K extends keyof MessengerEvents & string> (type: K, listener: ((evt: CustomEvent<MessengerEvents[K]>) => void) | null, options?: boolean | AddEventListenerOptions): void
  override addEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void
  override addEventListener (type: string, listener: EventListenerOrEventListenerObject | ((evt: CustomEvent<never>) => void) | null, options?: boolean | AddEventListenerOptions): void {
    this.messenger.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options)
  }

  override removeEventListener<K extends keyof MessengerEvents & string> (type: K, listener: ((evt: CustomEvent<MessengerEvents[K]>) => void) | null, options?: boolean | EventListenerOptions): void
  override removeEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void
  override removeEventListener (type: string, listener: EventListenerOrEventListenerObject | ((evt: CustomEvent<never>) => void) | null, options?: boolean | EventListenerOptions): void {
    this.messenger.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options)
  }

  override dispatchEvent (event: Event): boolean { return this.messenger.dispatchEvent(event) }

  get address (): string { return this.messenger.address }

  async start (...args: Parameters<MessengerApi['start']>): Promise<void> { await this.messenger.start(...args) }

  /** Stops the messenger and the node, closes the store and releases the tab lock (once; later calls wait for it). */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.messenger.stop()
        await this.node.stop()
        await this.store.close()
      } finally {
        this.lock.release()
      }
    })()
    await this.stopping
  }

  inviteLink (): string { return this.messenger.inviteLink() }
  async devices (): ReturnType<MessengerApi['devices']> { return await this.messenger.devices() }
  async status (...args: Parameters<MessengerApi['status']>): ReturnType<MessengerApi['status']> { return await this.messenger.status(...args) }
  async quarantined (...args: Parameters<MessengerApi['quarantined']>): ReturnType<MessengerApi['quarantined']> { return await this.messenger.quarantined(...args) }
  async addContact (...args: Parameters<MessengerApi['addContact']>): ReturnType<MessengerApi['addContact']> { return await this.messenger.addContact(...args) }
  async listContacts (...args: Parameters<MessengerApi['listContacts']>): ReturnType<MessengerApi['listContacts']> { return await this.messenger.listContacts(...args) }
  async renameContact (...args: Parameters<MessengerApi['renameContact']>): ReturnType<MessengerApi['renameContact']> { return await this.messenger.renameContact(...args) }
  async removeContact (...args: Parameters<MessengerApi['removeContact']>): ReturnType<MessengerApi['removeContact']> { return await this.messenger.removeContact(...args) }
  async blockContact (...args: Parameters<MessengerApi['blockContact']>): ReturnType<MessengerApi['blockContact']> { return await this.messenger.blockContact(...args) }
  async safetyNumber (...args: Parameters<MessengerApi['safetyNumber']>): ReturnType<MessengerApi['safetyNumber']> { return await this.messenger.safetyNumber(...args) }
  async markVerified (...args: Parameters<MessengerApi['markVerified']>): ReturnType<MessengerApi['markVerified']> { return await this.messenger.markVerified(...args) }
  async conversations (...args: Parameters<MessengerApi['conversations']>): ReturnType<MessengerApi['conversations']> { return await this.messenger.conversations(...args) }
  async conversationWith (...args: Parameters<MessengerApi['conversationWith']>): ReturnType<MessengerApi['conversationWith']> { return await this.messenger.conversationWith(...args) }
  async getConversation (...args: Parameters<MessengerApi['getConversation']>): ReturnType<MessengerApi['getConversation']> { return await this.messenger.getConversation(...args) }
  async messages (...args: Parameters<MessengerApi['messages']>): ReturnType<MessengerApi['messages']> { return await this.messenger.messages(...args) }
  async sendText (...args: Parameters<MessengerApi['sendText']>): ReturnType<MessengerApi['sendText']> { return await this.messenger.sendText(...args) }
  async edit (...args: Parameters<MessengerApi['edit']>): ReturnType<MessengerApi['edit']> { return await this.messenger.edit(...args) }
  async react (...args: Parameters<MessengerApi['react']>): ReturnType<MessengerApi['react']> { return await this.messenger.react(...args) }
  async deleteMessages (...args: Parameters<MessengerApi['deleteMessages']>): ReturnType<MessengerApi['deleteMessages']> { return await this.messenger.deleteMessages(...args) }
  async clearConversation (...args: Parameters<MessengerApi['clearConversation']>): ReturnType<MessengerApi['clearConversation']> { return await this.messenger.clearConversation(...args) }
  async forward (...args: Parameters<MessengerApi['forward']>): ReturnType<MessengerApi['forward']> { return await this.messenger.forward(...args) }
  async markRead (...args: Parameters<MessengerApi['markRead']>): ReturnType<MessengerApi['markRead']> { return await this.messenger.markRead(...args) }
  async setTyping (...args: Parameters<MessengerApi['setTyping']>): ReturnType<MessengerApi['setTyping']> { return await this.messenger.setTyping(...args) }
  async setDisappearingTimer (...args: Parameters<MessengerApi['setDisappearingTimer']>): ReturnType<MessengerApi['setDisappearingTimer']> { return await this.messenger.setDisappearingTimer(...args) }
  async startSecretChat (...args: Parameters<MessengerApi['startSecretChat']>): ReturnType<MessengerApi['startSecretChat']> { return await this.messenger.startSecretChat(...args) }
  async acceptSecretChat (...args: Parameters<MessengerApi['acceptSecretChat']>): ReturnType<MessengerApi['acceptSecretChat']> { return await this.messenger.acceptSecretChat(...args) }
  async closeSecretChat (...args: Parameters<MessengerApi['closeSecretChat']>): ReturnType<MessengerApi['closeSecretChat']> { return await this.messenger.closeSecretChat(...args) }
  async reportScreenshot (...args: Parameters<MessengerApi['reportScreenshot']>): ReturnType<MessengerApi['reportScreenshot']> { return await this.messenger.reportScreenshot(...args) }
  async createDeviceLink (...args: Parameters<MessengerApi['createDeviceLink']>): ReturnType<MessengerApi['createDeviceLink']> { return await this.messenger.createDeviceLink(...args) }
  async setInactivityPeriod (...args: Parameters<MessengerApi['setInactivityPeriod']>): ReturnType<MessengerApi['setInactivityPeriod']> { return await this.messenger.setInactivityPeriod(...args) }
  async setReadReceipts (...args: Parameters<MessengerApi['setReadReceipts']>): ReturnType<MessengerApi['setReadReceipts']> { return await this.messenger.setReadReceipts(...args) }
  async deleteAccount (...args: Parameters<MessengerApi['deleteAccount']>): ReturnType<MessengerApi['deleteAccount']> { return await this.messenger.deleteAccount(...args) }
}
