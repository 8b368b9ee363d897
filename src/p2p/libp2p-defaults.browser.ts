import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import type { Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { guardPutValue } from '../net/dht-put-guard.js'
import { isBrowserDialable } from '../net/relay-entry-addresses.js'
import type { AddressKeys } from '../net/remote-address.js'
import type { DeferredTransports } from './deferred-transport.js'
import type { PlatformOptions } from './platform-options.js'

/** Browser platform: WebSockets to relays, circuit-relay-v2 for reachability, WebRTC between browsers. */
export function platformTransports (options: PlatformOptions): Array<(components: any) => Transport> {
  return [
    webSockets(),
    circuitRelayTransport(),
    webRTC({ rtcConfiguration: { iceServers: options.iceServers ?? [] } })
  ]
}

/** Browsers listen through relays (`/p2p-circuit`) and accept WebRTC upgrades. */
export function defaultListenAddresses (): string[] {
  return ['/p2p-circuit', '/webrtc']
}

/** Browsers are DHT clients. */
export const defaultDhtClientMode = true

/** Whether this platform's devices are reachable only through their relays (browsers). */
export const reachableOnlyViaRelays = true

/** Transports of a throwaway identity (dial only): WebSockets, and with `relayed` circuit-relay-v2 (device linking). */
export function ephemeralTransports (options: { relayed?: boolean } = {}): Array<(components: any) => Transport> {
  return [webSockets(), ...(options.relayed === true ? [circuitRelayTransport()] : [])]
}

/** Browsers are DHT clients: they serve no PUTs, so every sender shares one bucket. */
export function defaultDhtAddressKeys (_remoteAddr: Multiaddr): AddressKeys | undefined {
  return { address: '(no address)' }
}

/**
 * Browsers are DHT clients (`clientMode`) and answer no PUT_VALUE: no guard, and its code (the
 * rate limiter, the PUT handler) stays out of the bundle.
 */
export const guardDhtPuts: typeof guardPutValue | undefined = undefined

/** Whether this platform dials `ma` itself (a relay's address in an account record): WebSockets only. */
export function canDialDirectly (ma: Multiaddr): boolean {
  return isBrowserDialable(ma)
}

/** Browsers load WebRTC with the page's bundle: nothing is deferred. */
export function createDeferredTransports (): DeferredTransports | undefined {
  return undefined
}
