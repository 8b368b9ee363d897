import { isPrivate } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { TCP, WebSockets, WebSocketsSecure } from '@multiformats/multiaddr-matcher'

/** At most this many addresses per relay in an account record (the configured one first). */
export const MAX_RELAY_ENTRY_ADDRESSES = 8

/** Whether a browser can dial `ma` itself: WebSockets (`/ws`) or secure WebSockets (`/wss`, `/tls/ws`). */
export function isBrowserDialable (ma: Multiaddr | string): boolean {
  const addr = typeof ma === 'string' ? multiaddr(ma) : ma
  return WebSockets.exactMatch(addr) || WebSocketsSecure.exactMatch(addr)
}

const isPlainAddress = (ma: Multiaddr): boolean => TCP.exactMatch(ma) || isBrowserDialable(ma)

/** `ma` without its trailing `/p2p/<id>`, for comparing addresses. */
function withoutPeer (ma: Multiaddr): string {
  const text = ma.toString()
  const at = text.lastIndexOf('/p2p/')
  return at >= 0 && !text.slice(at + 5).includes('/') ? text.slice(0, at) : text
}

/**
 * The addresses of a relay to publish in an account record: the configured one first, then the
 * ones the relay announces (its identify listen addresses) that some kind of peer can dial
 * directly — TCP for Node, WebSockets for browsers; never circuit or WebRTC addresses, never
 * private or loopback ones unless the configured address is itself private. Each ends in
 * `/p2p/<relay>`; at most {@link MAX_RELAY_ENTRY_ADDRESSES}; unreadable announced ones are skipped.
 */
export function publishableRelayAddresses (configured: string, announced: Array<Multiaddr | string>): string[] {
  const first = multiaddr(configured)
  const relayId = first.getComponents().findLast((c) => c.name === 'p2p')?.value
  const privateOk = isPrivate(first)
  const seen = new Set([withoutPeer(first)])
  const out = [first.toString()]
  for (const item of announced) {
    if (out.length >= MAX_RELAY_ENTRY_ADDRESSES) break
    let ma: Multiaddr
    try { ma = typeof item === 'string' ? multiaddr(item) : item } catch { continue }
    const bare = multiaddr(withoutPeer(ma))
    if (!isPlainAddress(bare) || seen.has(bare.toString())) continue
    if (!privateOk && isPrivate(bare)) continue
    seen.add(bare.toString())
    out.push(relayId == null ? bare.toString() : `${bare.toString()}/p2p/${relayId}`)
  }
  return out
}
