import { BlockList, isIP } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The one bucket every connection without an IP address of its own shares. */
export const NO_ADDRESS = '(no address)'

/** The rate-limit keys of a remote connection's address: its own bucket, and a wider network's for IPv6. */
export interface AddressKeys {
  /** An IPv4 address, or an IPv6 /64 ('2001:db8:1:2::/64'). */
  address: string
  /** IPv6 only: its /48 ('2001:db8:1::/48'), which holds 65,536 /64s. */
  network?: string
}

/**
 * The keys a remote connection's per-address rate limits are kept under: its IPv4 address, or
 * the /64 of its IPv6 address (one host or home network usually holds a whole /64, so rotating
 * through it must not buy fresh buckets) plus the /48 around it. IPv4-mapped IPv6 counts as
 * IPv4. A circuit-relayed connection is keyed by the relaying hop's address (the first in its
 * multiaddr): that hop's connection carries all of it. A connection without an IP of its own
 * (a transport that reports 0.0.0.0 or :: when it does not know, one with no IP in its address)
 * shares one bucket, {@link NO_ADDRESS}, with all such connections: never a fresh one each.
 * `undefined` (per-peer limits only) for an address in `exempt` (a local TLS proxy through
 * which every client arrives from loopback).
 *
 * @example
 * ```ts
 * addressKeys(multiaddr('/ip4/203.0.113.7/tcp/4001')) // { address: '203.0.113.7' }
 * addressKeys(multiaddr('/ip6/2001:db8:1:2:aa::1/tcp/4001')) // { address: '2001:db8:1:2::/64', network: '2001:db8:1::/48' }
 * ```
 */
export function addressKeys (remoteAddr: Multiaddr, exempt?: BlockList): AddressKeys | undefined {
  const ip = remoteAddr.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')
  if (ip?.value == null || ip.value === '') return { address: NO_ADDRESS }
  if (ip.name === 'ip4') return ipv4Keys(ip.value, exempt)
  const groups = ipv6Groups(ip.value)
  if (groups == null || groups.every((g) => g === 0)) return { address: NO_ADDRESS }
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return ipv4Keys([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.'), exempt)
  }
  if (exempt?.check(ip.value.split('%')[0], 'ipv6') === true) return undefined
  const hex = groups.map((g) => g.toString(16))
  return { address: `${hex.slice(0, 4).join(':')}::/64`, network: `${hex.slice(0, 3).join(':')}::/48` }
}

function ipv4Keys (address: string, exempt: BlockList | undefined): AddressKeys | undefined {
  if (address === '0.0.0.0') return { address: NO_ADDRESS }
  if (exempt?.check(address, 'ipv4') === true) return undefined
  return { address }
}

/**
 * A BlockList of addresses and CIDR ranges ('127.0.0.0/8', '::1', '2001:db8::/32'); throws
 * RangeError naming the first entry that is neither.
 */
export function addressList (entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const parts = entry.split('/')
    if (parts.length > 2) throw new RangeError(`not an IP address or CIDR range: ${entry}`)
    const [address, prefixText] = parts
    const family = isIP(address)
    if (family === 0) throw new RangeError(`not an IP address or CIDR range: ${entry}`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefixText == null) { list.addAddress(address, type); continue }
    const prefix = Number(prefixText)
    if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new RangeError(`bad prefix length: ${entry}`)
    list.addSubnet(address, prefix, type)
  }
  return list
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
