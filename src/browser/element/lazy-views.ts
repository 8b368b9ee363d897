/**
 * The element's lazily loaded views, each a chunk of its own that `parley-chat.js` does not
 * carry: files (`file-views.ts`, once a messenger with attachments is attached), devices
 * (`device-views.ts`, when "Devices" is pressed or a new device asks to join) and groups
 * (`group-views.ts`, once a group is listed or "New group" is pressed) and channels
 * (`channel-views.ts`, once a channel is listed, a post arrives, or "New channel" / "Follow" is
 * pressed). This module loads them,
 * routes the messenger's events to them and keeps an open group's receipts fresh.
 */
import type { ChannelViews } from './channel-views.js'
import type { ConversationView, LinkRequestView, MessageView, MessengerApi, MessengerEvents } from '../../messenger/types.js'
import type { DeviceViews } from './device-views.js'
import type { FileViews } from './file-views.js'
import type { GroupViews } from './group-views.js'
import type { ViewHost } from './view-kit.js'

/** How often an open group's receipts are fetched again while the tab is visible (receipts arrive per member, with no event each). */
const RECEIPTS_EVERY_MS = 5000

export class LazyViews {
  files: FileViews | undefined
  groups: GroupViews | undefined
  /** Loaded once a channel is listed (or a channel dialog opened); `channels.open` has the pane. */
  channels: ChannelViews | undefined
  #channelsLoading: Promise<ChannelViews> | undefined
  #devices: Promise<DeviceViews> | undefined
  #groupsLoading: Promise<GroupViews> | undefined
  #messenger: MessengerApi | undefined
  #receiptsTimer: ReturnType<typeof setTimeout> | undefined
  /** Bumped by each listing: an older receipts poll stops. */
  #receiptsChain = 0

  constructor (private readonly host: ViewHost) {}

  /** A messenger attached (or detached: `undefined`): its views start afresh. */
  attach (messenger: MessengerApi | undefined): void {
    const before = this.#messenger
    before?.removeEventListener('device-link-request', this.#onLinkRequest)
    before?.removeEventListener('devices-changed', this.#onDevicesChanged)
    before?.removeEventListener('group-updated', this.#onGroupUpdated)
    before?.removeEventListener('contact-devices-changed', this.#onContactDevices)
    before?.removeEventListener('channel-post', this.#onChannelPost)
    before?.removeEventListener('channel-post-updated', this.#onChannelPost)
    this.channels = undefined; this.#channelsLoading = undefined
    const list = this.host.root.querySelector('ul[part~="channel-list"]')
    if (list != null) this.host.kit.fill(list, this.host.kit.h('li', { class: 'empty' }, 'No channels yet'))
    this.#messenger = messenger
    this.files?.dispose(); this.files = undefined
    this.groups = undefined; this.#groupsLoading = undefined; this.#devices = undefined
    clearTimeout(this.#receiptsTimer)
    this.#receiptsChain++
    if (messenger == null) return
    if (messenger.sendFile != null) {
      void import('./file-views.js').then((mod) => {
        if (this.#messenger !== messenger) return
        this.files = new mod.FileViews(messenger, this.host.rerender, this.host.fail, this.host.kit.h)
        this.host.rerender()
      }, this.host.fail)
    }
    // a messenger without devices or groups (an older or partial MessengerApi) gets neither view
    if (typeof messenger.deviceLinkRequests === 'function') {
      messenger.addEventListener('device-link-request', this.#onLinkRequest)
      messenger.addEventListener('devices-changed', this.#onDevicesChanged)
      // requests that came before this element was attached
      for (const request of messenger.deviceLinkRequests()) this.#linkRequest(request)
    }
    if (typeof messenger.group === 'function') messenger.addEventListener('group-updated', this.#onGroupUpdated)
    messenger.addEventListener('contact-devices-changed', this.#onContactDevices)
    if (typeof messenger.channels === 'function') {
      messenger.addEventListener('channel-post', this.#onChannelPost)
      messenger.addEventListener('channel-post-updated', this.#onChannelPost)
      // the chunk loads only when there is a channel to list
      void messenger.channels().then(async (channels) => { if (channels.length > 0) await this.#loadChannels() }, this.host.fail)
    }
  }

  /** The "New channel" or "Follow" dialog. */
  async channelDialog (what: 'new' | 'follow'): Promise<void> {
    const views = await this.#loadChannels()
    if (what === 'new') await views?.showCreate()
    else await views?.showFollow()
  }

  /** Loads the channel views once, and lists the channels into the sidebar. */
  async #loadChannels (): Promise<ChannelViews | undefined> {
    const messenger = this.#messenger
    const list = this.host.root.querySelector<HTMLUListElement>('ul[part~="channel-list"]')
    const main = this.host.root.querySelector('main')
    if (messenger == null || list == null || main == null) return undefined
    this.#channelsLoading ??= import('./channel-views.js').then(async (mod) => {
      const views = new mod.ChannelViews(this.host, { list, main })
      await views.list()
      return views
    })
    try {
      const views = await this.#channelsLoading
      if (this.#messenger !== messenger) return undefined
      this.channels = views
      return views
    } catch (err) {
      this.#channelsLoading = undefined
      this.host.fail(err)
      return undefined
    }
  }

  readonly #onChannelPost = (evt: CustomEvent<MessengerEvents['channel-post']>): void => {
    const { channel, post } = evt.detail
    void this.#loadChannels().then((views) => { views?.post(channel, post, evt.type === 'channel-post') })
  }

  /** The Devices dialog. */
  async showDevices (): Promise<void> {
    await (await this.#loadDevices())?.show()
  }

  /** The "New group" dialog. */
  async createGroup (): Promise<void> {
    await (await this.#loadGroups())?.showCreate()
  }

  /**
   * After each listing: loads the group views once a group is listed, and for an open group
   * fetches its view and receipts (rendering again when they changed).
   */
  sync (conversations: ConversationView[], current: ConversationView | undefined, messages: MessageView[]): void {
    if (this.groups == null) {
      // once loaded, a listing again: the open group (if any) is fetched with them
      if (conversations.some((c) => c.kind === 'group') || current?.kind === 'group') void this.#loadGroups().then((views) => { if (views != null) this.host.refresh() })
      return
    }
    clearTimeout(this.#receiptsTimer)
    const chain = ++this.#receiptsChain
    if (current?.kind === 'group') this.#syncGroup(this.groups, current, messages, chain)
  }

  /**
   * Fetches the open group's view and receipts, renders only when they changed (a re-render
   * scrolls the log to its end: not every few seconds while someone reads older messages), and
   * polls again while the element is connected (fetching only while the page is visible); a
   * listing in between starts a new chain and ends this one.
   */
  #syncGroup (groups: GroupViews, current: ConversationView, messages: MessageView[], chain: number): void {
    const again = (): void => {
      if (chain !== this.#receiptsChain || this.groups !== groups || !this.host.root.host.isConnected) return
      this.#receiptsTimer = setTimeout(() => {
        if (document.visibilityState === 'hidden') again()
        else this.#syncGroup(groups, current, messages, chain)
      }, RECEIPTS_EVERY_MS)
    }
    void groups.sync(current, messages).then((changed) => { if (changed) this.host.rerender() }, this.host.fail).finally(again)
  }

  async #loadDevices (): Promise<DeviceViews | undefined> {
    const messenger = this.#messenger
    if (messenger == null) return undefined
    this.#devices ??= import('./device-views.js').then((mod) => new mod.DeviceViews(this.host))
    try {
      return await this.#devices
    } catch (err) {
      this.#devices = undefined
      this.host.fail(err)
      return undefined
    }
  }

  async #loadGroups (): Promise<GroupViews | undefined> {
    const messenger = this.#messenger
    if (messenger == null) return undefined
    this.#groupsLoading ??= import('./group-views.js').then((mod) => new mod.GroupViews(this.host))
    try {
      const views = await this.#groupsLoading
      if (this.#messenger !== messenger) return undefined
      this.groups = views
      return views
    } catch (err) {
      this.#groupsLoading = undefined
      this.host.fail(err)
      return undefined
    }
  }

  #linkRequest (request: LinkRequestView): void {
    void this.#loadDevices().then((views) => { views?.request(request) })
  }

  readonly #onLinkRequest = (evt: CustomEvent<MessengerEvents['device-link-request']>): void => { this.#linkRequest(evt.detail) }

  readonly #onDevicesChanged = (evt: CustomEvent<MessengerEvents['devices-changed']>): void => {
    // only an open Devices dialog shows it: nothing to load for it
    if (this.#devices != null) void this.#devices.then((views) => { views.changed(evt.detail) }, () => { /* #loadDevices said why it failed */ })
  }

  /** A contact's account added or removed devices: a line in their chat (not a safety-number change). */
  readonly #onContactDevices = (evt: CustomEvent<MessengerEvents['contact-devices-changed']>): void => {
    const { address, added, removed } = evt.detail
    const contact = this.host.contacts().find((c) => c.address === address)
    const name = contact != null && contact.name !== '' ? contact.name : this.host.kit.shortAddress(address)
    const count = (n: number): string => n === 1 ? 'a device' : `${n} devices`
    const changes = [added.length > 0 ? `added ${count(added.length)}` : '', removed.length > 0 ? `removed ${count(removed.length)}` : ''].filter((t) => t !== '')
    if (changes.length > 0) this.host.note(address, `${name} ${changes.join(' and ')} (the safety number is unchanged)`)
  }

  readonly #onGroupUpdated = (evt: CustomEvent<MessengerEvents['group-updated']>): void => {
    this.groups?.updated(evt.detail.group)
    this.host.refresh()
  }
}
