import type { AbortOptions } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import type { TypedEvents } from '../events.js'
import { isFleetRef } from '../net/fleet-relays.js'
import { chooseRelays, recordRelays } from './account/relay-choice.js'
import { relayEntries } from './account/relay-entries.js'
import type { MessengerComponents } from './components.js'
import { DEFAULT_PUBLISH_TIMEOUT_MS, REFRESH_OWN_RECORD_TIMEOUT_MS } from './constants.js'
import { MailboxSync } from './delivery/mailbox-sync.js'
import { historyFrames } from './devices/history-archive.js'
import { DeviceUnlinkedError } from './devices/own-devices.js'
import type { Features } from './features.js'
import type { MessengerOptions } from './messenger-options.js'
import { ReceiveBatches } from './receive/receive-batches.js'
import type { MessengerEvents } from './types.js'

/**
 * Starts and stops a messenger's features in order: self-destruct check, network, device-link
 * handlers, relay choice, the signed and published account record, outbox, mailboxes, relay
 * keeper, expiry, attachments, channels — and back down. Holds what only exists while running.
 */
export class MessengerLifecycle {
  private relayAddrs: string[] = []
  private mailboxSync: MailboxSync | undefined
  private offPeerConnect: (() => void) | undefined

  constructor (
    private readonly f: Features,
    private readonly components: MessengerComponents,
    private readonly options: MessengerOptions,
    private readonly events: TypedEvents<MessengerEvents>
  ) {}

  /** Relays this account uses (multiaddrs), chosen at start. */
  get relays (): string[] { return this.relayAddrs }
  get mailbox (): MailboxSync | undefined { return this.mailboxSync }

  async start (options: AbortOptions = {}): Promise<void> {
    const { f, components } = this
    if (f.ctx.running) return
    const { network, accountRecords } = components
    await f.selfDestruct.check()
    await network.start(options)
    f.ctx.started()
    this.attachDeviceLinks()
    await f.selfDestruct.start()
    f.reachable.start()
    this.relayAddrs = await chooseRelays(f.ctx, this.options, { ...options, onDialError: (relay, err) => { f.reachable.relayFailed(relay, err) } })
    const online = network.peerCount() > 0
    // another device of this account may have signed a newer record (added a device…): keep it
    if (online) await accountRecords.refresh({ signal: AbortSignal.timeout(REFRESH_OWN_RECORD_TIMEOUT_MS) })
    // another device unlinked this one (while it was off): it wipes itself
    if (f.ownDevices.isUnlinked()) throw new DeviceUnlinkedError()
    await this.signRecord(online, options)
    f.outbox.start()
    // a peer came online: pending deliveries are worth trying now rather than at their backoff time
    this.offPeerConnect = network.onPeerConnect(() => { void f.outbox.retrySoon() })
    if (this.relayAddrs.length > 0) await this.startMailboxes()
    // a configured relay whose connection drops is re-dialled, and its mailbox renewed once it is back
    f.relayKeeper.start(this.relayAddrs)
    await f.expiry.sweep()
    await f.files.start()
    await f.channels.start(options)
    f.channelFeedback.start()
  }

  /** Stops the features (timers, mailboxes, outbox, depositor); the node stays up for its owner to stop. */
  async stop (): Promise<void> {
    const { f, components } = this
    if (!f.ctx.running) return
    f.ctx.stopped()
    f.reachable.stop()
    f.relayKeeper.stop()
    f.channels.stop()
    f.channelFeedback.stop()
    f.expiry.stop()
    f.selfDestruct.stop()
    this.offPeerConnect?.()
    components.deviceLinks.setConfirmHandler(undefined)
    components.deviceLinks.setHistorySource(undefined)
    components.deviceLinks.setLinkedHandler(undefined)
    f.linkRequests.stop()
    await components.deviceLinks.stop()
    await this.mailboxSync?.stop()
    await f.outbox.stop()
    await components.depositor.stop()
    await f.files.stop()
    await f.ctx.lock.run(async () => {})
  }

  private attachDeviceLinks (): void {
    const { f, components: { deviceLinks, store } } = this
    deviceLinks.setConfirmHandler(f.linkRequests.ask)
    // a confirmed new device gets the normal chats' history it asks for (never secret chats)
    deviceLinks.setHistorySource((since, opts) => historyFrames(store, since, opts))
    // the account's other devices adopt the record with the new device, so they copy to it too
    deviceLinks.setLinkedHandler((_record, deviceKey) => {
      this.events.emit('devices-changed', { reason: 'linked', device: toHex(deviceKey) })
      void f.ownDevices.announceRecord(deviceKey).catch((err: unknown) => { f.ctx.log('devices').error('could not tell the other devices of the new one - %e', err) })
    })
  }

  /** Signs this device's account record with its relays (and fleets), then publishes it when online. */
  private async signRecord (online: boolean, options: AbortOptions): Promise<void> {
    const { f, components: { accountRecords } } = this
    // each relay with the addresses it announces (TCP for Node peers, WebSockets for browsers); fleets by their operator key
    const { fleets } = recordRelays(this.relayAddrs)
    const relays = await relayEntries(f.ctx, this.relayAddrs.filter((r) => !isFleetRef(r)), options)
    await accountRecords.sign({ relays: relays.entries, fleets })
    f.reachable.setBrowsers(relays.browsers)
    if (!online) return
    // when start() resolves, contacts can find this device (unless the DHT is unreachable:
    // the node keeps retrying in the background, as it does when nobody is connected yet)
    await accountRecords.publish({ signal: options.signal ?? AbortSignal.timeout(DEFAULT_PUBLISH_TIMEOUT_MS) }).catch((err: unknown) => {
      f.ctx.log('account').error('could not publish the account record at start (retried in the background) - %e', err)
    })
  }

  private async startMailboxes (): Promise<void> {
    const { f, components: { mailboxes, prekeys, logger } } = this
    const pushed = new ReceiveBatches(f.inbox, logger.forComponent('parley:messenger:receive'), 'relay')
    this.mailboxSync = new MailboxSync({
      mailboxes,
      prekeys,
      log: logger.forComponent('parley:mailbox-sync'),
      relays: this.relayAddrs,
      drainIntervalMs: this.options.drainIntervalMs,
      pageSize: this.options.drainPageSize,
      quarantine: f.quarantine,
      // a relay's pushes that arrive together are received in one transaction (#22)
      onEnvelope: async (envelope, context) => { await pushed.receive(envelope, context) },
      onPage: async (envelopes, context, options) => f.inbox.receivePage(envelopes, context, options)
    })
    await this.mailboxSync.start()
  }
}
