import type { ComponentLogger, Libp2p } from '@libp2p/interface'
import { deviceLink, type DeviceLink, type DeviceLinkInit } from '../device/index.js'
import { accountDirectory, type AccountDirectory, type AccountDirectoryComponents, type RecordFloor } from '../net/account-directory.js'
import { envelopes, type Envelopes, type EnvelopesInit } from '../net/envelopes.js'
import { relayDiscovery, type RelayDiscovery } from '../net/relay-discovery.js'
import { channels, type Channels } from '../net/channels.js'
import type { ParleyServices } from '../p2p/index.js'

/**
 * Parley's protocols on a device, as libp2p services (beside identify, ping, the DHT). The
 * mailbox client (`mailboxClient()` in `net/`) is not among them yet: with its codec it would add
 * ~8 KiB gzip to the browser's first chunk (over its 200 KiB budget); it stays in the messenger's
 * lazy chunk, which creates its clients, until the messenger is handed it as a component.
 */
export interface DeviceServices extends Record<string, unknown> {
  /** `/parley/msg/1.0.0`: envelopes to and from devices. */
  envelopes: Envelopes
  /** Account records in the DHT. */
  directory: AccountDirectory
  /** Relays found in the DHT. */
  relayDiscovery: RelayDiscovery
  /** `/parley/link/1.0.0`: link codes issued by this device, honoured for a new device. */
  deviceLink: DeviceLink
  /** Broadcast channels: gossipsub (loaded lazily on start) and the channel-history client. */
  channels: Channels
}

/** A device's libp2p node: Parley's defaults plus {@link DeviceServices}. */
export type DeviceLibp2p = Libp2p<ParleyServices & DeviceServices>

export interface DeviceServicesInit {
  envelopes: EnvelopesInit
  /** The highest record seen per account, kept in the device's store (given libp2p's logger). */
  floor: (logger: ComponentLogger) => RecordFloor
  deviceLink: DeviceLinkInit
}

/**
 * The service factories of {@link DeviceServices}, for `parleyLibp2pDefaults`' `extraServices`.
 *
 * @example
 * ```ts
 * const libp2p = await createParleyLibp2p<DeviceServices>({ privateKey, extraServices: deviceServices({ envelopes: { deviceKey }, floor }), start: false })
 * ```
 */
export function deviceServices (init: DeviceServicesInit): Record<keyof DeviceServices, (components: any) => unknown> {
  return {
    envelopes: envelopes(init.envelopes),
    directory: (components: AccountDirectoryComponents) => accountDirectory({ floor: init.floor(components.logger) })(components),
    relayDiscovery: relayDiscovery(),
    deviceLink: deviceLink(init.deviceLink),
    channels: channels()
  }
}
