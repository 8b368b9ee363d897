import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The key a remote connection's per-address rate limits are kept under: its IPv4 address, or
 * the /64 prefix of its IPv6 address (one host or home network usually holds a whole /64, so
 * rotating through it must not buy fresh buckets). IPv4-mapped IPv6 counts as IPv4.
 * `undefined` when the connection has no IP of its own (a circuit-relayed connection, whose
 * first IP is the relaying peer's): only per-peer limits apply to it.
 *
 * @example
 * ```ts
 * addressBucket(multiaddr('/ip4/203.0.113.7/tcp/4001')) // '203.0.113.7'
 * addressBucket(multiaddr('/ip6/2001:db8:1:2:aa::1/tcp/4001')) // '2001:db8:1:2::/64'
 * ```
 */
export function addressBucket (remoteAddr: Multiaddr): string | undefined {
  const components = remoteAddr.getComponents()
  if (components.some((c) => c.name === 'p2p-circuit')) return undefined
  const ip = components.find((c) => c.name === 'ip4' || c.name === 'ip6')
  if (ip?.value == null || ip.value === '') return undefined
  if (ip.name === 'ip4') return ip.value
  const groups = ipv6Groups(ip.value)
  if (groups == null) return undefined
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.')
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`
}

/** The eight 16-bit groups of an IPv6 address in text form (`::` and a dotted IPv4 tail allowed), or undefined. */
function ipv6Groups (text: string): number[] | undefined {
  const address = text.split('%')[0].toLowerCase()
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    const pieces = part.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]
      if (i === pieces.length - 1 && piece.includes('.')) {
        const octets = piece.split('.').map(Number)
        if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined
        out.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3])
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return undefined
        out.push(parseInt(piece, 16))
      }
    }
    return out
  }
  const head = parse(halves[0])
  const tail = halves.length === 2 ? parse(halves[1]) : []
  if (head == null || tail == null) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  return [...head, ...new Array<number>(missing).fill(0), ...tail]
}
