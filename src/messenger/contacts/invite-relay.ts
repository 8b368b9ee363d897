import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Component, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidInviteRelayError } from '../errors.js'

/** Longest `relay=` value an invite may carry (characters). */
export const MAX_INVITE_RELAY_LENGTH = 512

/** The network part an invite's relay may start with. */
const HOST_PROTOCOLS: ReadonlySet<string> = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])
/** Unspecified addresses: dialling them reaches this machine. */
const UNSPECIFIED_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::'])
/** What may stand between `/tcp/<port>` and `/p2p/<id>`: plain TCP or a WebSocket. */
const TRANSPORT_TAILS: readonly string[] = ['', 'ws', 'wss', 'tls/ws', 'tls/sni/ws']

function refuse (relay: string, why: string): never {
  throw new InvalidInviteRelayError(`The invite's relay ${JSON.stringify(relay.slice(0, 80))} ${why}`)
}

function checkPort (relay: string, tcp: Component | undefined): void {
  const port = Number(tcp?.value)
  if (tcp?.name !== 'tcp' || !Number.isInteger(port) || port < 1 || port > 65535) refuse(relay, 'must have /tcp/<port> after its host')
}

/**
 * Parses an invite's `relay=` value and checks that it names a relay as Parley reaches one:
 * `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/ws|/wss|/tls/ws|/tls/sni/<name>/ws]/p2p/<id>`.
 * Anything else (Unix sockets, `/memory`, UDP/QUIC/WebRTC, circuits, no `/p2p/<id>`, an
 * unspecified host) is refused before any dial.
 *
 * @throws {InvalidInviteRelayError} `ERR_INVALID_INVITE_RELAY`
 * @example
 * ```ts
 * checkInviteRelay('/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…') // a Multiaddr
 * checkInviteRelay('/unix/%2Fvar%2Frun%2Fdocker.sock/p2p/12D3KooW…') // throws
 * ```
 */
export function checkInviteRelay (relay: string): Multiaddr {
  if (relay.length > MAX_INVITE_RELAY_LENGTH) refuse(relay, `is longer than ${MAX_INVITE_RELAY_LENGTH} characters`)
  let ma: Multiaddr
  try {
    ma = multiaddr(relay)
  } catch {
    refuse(relay, 'is not a multiaddr')
  }
  const components = ma.getComponents()
  const [host, tcp] = components
  const last = components.at(-1)
  if (host == null || !HOST_PROTOCOLS.has(host.name)) refuse(relay, 'must start with /ip4, /ip6, /dns, /dns4 or /dns6')
  if (UNSPECIFIED_HOSTS.has(host.value ?? '')) refuse(relay, 'names no host')
  checkPort(relay, tcp)
  if (last?.name !== 'p2p' || components.length < 3) refuse(relay, 'must end with /p2p/<id>')
  try {
    peerIdFromString(last.value ?? '')
  } catch {
    refuse(relay, 'has no valid peer id after /p2p/')
  }
  const tail = components.slice(2, -1).map((c) => c.name).join('/')
  if (!TRANSPORT_TAILS.includes(tail)) refuse(relay, 'must use TCP or WebSockets (/ws, /wss, /tls/ws) and no circuit')
  return ma
}
