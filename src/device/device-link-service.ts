import type { AbortOptions, ComponentLogger, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { DeviceEntry } from '../identity/account-record.js'
import { encodeAddress } from '../identity/address.js'
import { DEFAULT_LINK_PUBLISH_TIMEOUT_MS, LINK_PROTOCOL } from './constants.js'
import type { ConfirmLink, DeviceLinkServer } from './device-link.js'
import type { HistoryHandlers, HistorySource } from './link-history.js'

export interface DeviceLinkComponents {
  /** libp2p's registrar (its `handle`/`unhandle`). */
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
  /** Where this node listens: the addresses a link code carries. */
  addressManager: { getAddresses: () => Multiaddr[] }
  /** This node's PeerId (part of the link's short authentication string). */
  peerId: PeerId
  logger: ComponentLogger
}

export interface DeviceLinkInit {
  /** This account's public key. */
  accountKey: Uint8Array
  /** The account secret, sealed to a new device whose link is honoured (read then, never kept here). */
  accountSecret: () => Uint8Array
  /** Re-signs the account record with the new device added; returns its bytes. */
  addDevice: (entry: DeviceEntry) => Promise<Uint8Array>
  /** Puts the current account record into the DHT. */
  publishRecord: (options: AbortOptions) => Promise<void>
  /** Time publishing the record with a new device may take. @default 15000 */
  publishTimeoutMs?: number
}

/**
 * Device linking on the existing device, as a libp2p service: it issues one-time link codes and
 * honours them on `/parley/link/1.0.0` (the new device's side is `linkDevice`). The protocol is
 * handled from the first code on, not from `start()`: a node that never issued a code does not
 * serve it. The server's code (`link-server.ts`) is loaded then too, with `import()`: in the
 * browser bundle it rides in the one lazy chunk (docs/BROWSER.md, "Bundle size").
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({ …, services: { deviceLink: deviceLink({ accountKey, accountSecret, addDevice, publishRecord }) } })
 * const code = await libp2p.services.deviceLink.createCode(10 * 60_000)  // 'parley-link:…'
 * ```
 */
export class DeviceLink implements Startable {
  private readonly log: Logger
  private serving: Promise<DeviceLinkServer> | undefined
  private confirm: ConfirmLink | undefined
  private historySource: HistorySource | undefined
  private historyHandlers: HistoryHandlers | undefined
  private onLinked: ((record: Uint8Array, deviceKey: Uint8Array) => void) | undefined

  constructor (private readonly components: DeviceLinkComponents, private readonly init: DeviceLinkInit) {
    this.log = components.logger.forComponent('parley:device-link')
  }

  start (): void {}

  /**
   * Who asks the user to compare the short authentication string and confirm a link (the
   * messenger, which shows it in the CLI and the UIs). Without one, every link is declined.
   */
  setConfirmHandler (confirm: ConfirmLink | undefined): void {
    this.confirm = confirm
  }

  /** Told of each new device's record once it is signed (the messenger tells the account's other devices). */
  setLinkedHandler (handler: ((record: Uint8Array, deviceKey: Uint8Array) => void) | undefined): void {
    this.onLinked = handler
  }

  /** Where the history archive for a new device comes from (the messenger's store); none: an empty archive. */
  setHistorySource (source: HistorySource | undefined): void {
    this.historySource = source
  }

  /** Who follows a new device's history here: what is owed, progress, the end (the messenger resumes a broken-off one through the relays). */
  setHistoryHandlers (handlers: HistoryHandlers | undefined): void {
    this.historyHandlers = handlers
  }

  /** Withdraws the issued codes and stops serving the protocol. */
  async stop (): Promise<void> {
    await this.withdraw()
  }

  /** A one-time link code, valid `ttlMs` (10 minutes by default), naming this account and where this node listens. */
  async createCode (ttlMs?: number, options: AbortOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    const server = await (this.serving ??= this.serve())
    const { encodeLinkCode } = await import('./link-server.js')
    return encodeLinkCode({
      address: encodeAddress(this.init.accountKey),
      secret: server.issue(ttlMs),
      multiaddrs: this.components.addressManager.getAddresses().map(String)
    })
  }

  /** Forgets every code issued and stops serving the protocol (until the next code). */
  async withdraw (): Promise<void> {
    if (this.serving == null) return
    const serving = this.serving
    this.serving = undefined
    if (await serving.then(() => true, () => false)) {
      await this.components.registrar.unhandle(LINK_PROTOCOL).catch((err: unknown) => { this.log('could not unregister the link protocol - %e', err) })
    }
  }

  private async serve (): Promise<DeviceLinkServer> {
    try {
      const { DeviceLinkServer } = await import('./link-server.js')
      const server = new DeviceLinkServer({
        accountKey: this.init.accountKey,
        accountSecret: this.init.accountSecret,
        log: this.log,
        peerId: this.components.peerId.toMultihash().bytes,
        history: () => this.historySource,
        historyHandlers: () => this.historyHandlers,
        confirm: async (request, options) => {
          if (this.confirm == null) {
            this.log('a link request arrived with no one to confirm it: declined')
            return false
          }
          return await this.confirm(request, options)
        },
        addDevice: async (entry) => {
          const record = await this.init.addDevice(entry)
          this.onLinked?.(record, entry.deviceKey)
          await this.init.publishRecord({ signal: AbortSignal.timeout(this.init.publishTimeoutMs ?? DEFAULT_LINK_PUBLISH_TIMEOUT_MS) }).catch((err: unknown) => {
            this.log.error('could not publish the record with the new device - %e', err)
          })
          return record
        }
      })
      // also on a relay's limited connection: a browser is reachable only through its relays, and
      // the link's frames are small (a few KiB against circuit-relay-v2's 128 KiB and 2 minutes);
      // history is then never sent on it (the server seals it for the account's relays instead)
      await this.components.registrar.handle(LINK_PROTOCOL, (stream, connection) => { void server.handle(stream, { limited: connection.limits != null }) }, { runOnLimitedConnection: true, maxInboundStreams: 2 })
      return server
    } catch (err) {
      this.serving = undefined
      throw err
    }
  }
}

/** The device-link service factory, for libp2p's `services`. */
export function deviceLink (init: DeviceLinkInit): (components: DeviceLinkComponents) => DeviceLink {
  return (components) => new DeviceLink(components, init)
}
