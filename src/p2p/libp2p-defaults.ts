import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import type { Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { TCP } from '@multiformats/multiaddr-matcher'
import { DeferredTransports, transportLoadedOnStart, type TransportFactory } from './deferred-transport.js'
import { guardPutValue } from '../net/dht-put-guard.js'
import { isBrowserDialable } from '../net/relay-entry-addresses.js'
import { addressKeys, type AddressKeys } from '../net/remote-address.js'
import type { PlatformOptions } from './platform-options.js'

/** Node platform: TCP + WebSockets listeners, circuit-relay-v2 and (unless turned off) WebRTC for reaching browsers. */
export function platformTransports (options: PlatformOptions): Array<(components: any) => Transport> {
  return [
    tcp(),
    webSockets(options.webSocketsTls != null ? { https: { cert: options.webSocketsTls.cert, key: options.webSocketsTls.key } } : {}),
    circuitRelayTransport(),
    ...(options.webrtc === false ? [] : [webRTCTransport(options)])
  ]
}

/** `@libp2p/webrtc`, imported now, or once `options.deferredTransports` loads. */
function webRTCTransport (options: PlatformOptions): (components: any) => Transport {
  const init = { rtcConfiguration: rtcConfiguration(options) }
  const deferred = {
    name: '@libp2p/webrtc',
    load: async (): Promise<TransportFactory> => (await import('@libp2p/webrtc')).webRTC(init),
    dependencies: ['@libp2p/identify', '@libp2p/circuit-relay-v2-transport']
  }
  // not deferred: imported as the node starts, so that a node that never starts (or turns it off) never imports it
  return options.deferredTransports != null ? options.deferredTransports.transport(deferred) : transportLoadedOnStart(deferred)
}

function rtcConfiguration (options: PlatformOptions): RTCConfiguration {
  // node-datachannel reads `bindAddress`; without it ICE on a loopback-only host times out
  const config: RTCConfiguration & { bindAddress?: string } = { iceServers: options.iceServers ?? [] }
  if (options.webrtcBindAddress != null) config.bindAddress = options.webrtcBindAddress
  return config
}

/** Listen addresses used when the caller gives none. */
export function defaultListenAddresses (): string[] {
  return ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']
}

/** Node daemons are full DHT servers. */
export const defaultDhtClientMode = false

/** Whether this platform's devices are reachable only through their relays (browsers). */
export const reachableOnlyViaRelays = false

/**
 * Transports of a throwaway identity (dial only): the depositor's (TCP, WebSockets), and with
 * `relayed` also circuit-relay-v2, for device linking to a device reachable only through its
 * relays (a browser's link code names it by `…/p2p-circuit/p2p/<device>` addresses).
 */
export function ephemeralTransports (options: { relayed?: boolean } = {}): Array<(components: any) => Transport> {
  return [tcp(), webSockets(), ...(options.relayed === true ? [circuitRelayTransport()] : [])]
}

/** Rate-limit keys of a DHT PUT sender's address: its IPv4 address or IPv6 /64 (and /48). */
export function defaultDhtAddressKeys (remoteAddr: Multiaddr): AddressKeys | undefined {
  return addressKeys(remoteAddr)
}

/**
 * How this platform guards kad-dht's PUT_VALUE handler (rate limits, shares, rollback): Node
 * devices and relays are DHT servers and answer PUTs.
 */
export const guardDhtPuts: typeof guardPutValue | undefined = guardPutValue

/** Whether this platform dials `ma` itself (a relay's address in an account record): TCP or WebSockets. */
export function canDialDirectly (ma: Multiaddr): boolean {
  return TCP.exactMatch(ma) || isBrowserDialable(ma)
}

/** Node: transports whose import can wait until the node is ready (the daemon's WebRTC). */
export function createDeferredTransports (): DeferredTransports | undefined {
  return new DeferredTransports()
}
