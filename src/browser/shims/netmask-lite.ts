/**
 * Build-time stand-in (see scripts/build-browser.mjs) for the `netmask` package where
 * `@libp2p/utils`'s `private-ip.js` uses it: a fixed list of IPv4 CIDR ranges and
 * `range.contains('a.b.c.d')`. netmask 2 (IPv4 and IPv6, ranges, iteration) costs ≈7 KiB
 * minified for that. `ip2long` is netmask 2.1's, octal/hex octets included, so every address
 * is classified exactly as before; anything but an IPv4 `a.b.c.d/n` range or a four-part IPv4
 * address throws.
 */

function parseOctet (s: string): [number, number] {
  let n = 0
  let base = 10
  let max = '9'
  let i = 0
  if (s.length > 1 && s[0] === '0') {
    if (s[1] === 'x' || s[1] === 'X') {
      i = 2
      base = 16
    } else if (s[1] >= '0' && s[1] <= '9') {
      i = 1
      base = 8
      max = '7'
    }
  }
  const start = i
  for (; i < s.length; i++) {
    const c = s[i]
    let digit: number
    if (c >= '0' && c <= max) digit = c.charCodeAt(0) - 48
    else if (base === 16 && c >= 'a' && c <= 'f') digit = c.charCodeAt(0) - 87
    else if (base === 16 && c >= 'A' && c <= 'F') digit = c.charCodeAt(0) - 55
    else break
    n = (n * base + digit) >>> 0
    if (n > 0xFFFFFFFF) throw new Error('too large')
  }
  if (i === start) throw new Error('empty octet')
  return [n, i]
}

/** An IPv4 address as an unsigned 32-bit number (netmask 2.1's `ip2long`). */
export function ip2long (ip: string): number {
  const b: number[] = []
  for (let i = 0; i <= 3 && ip.length > 0; i++) {
    if (i > 0) {
      if (ip[0] !== '.') throw new Error('Invalid IP')
      ip = ip.substring(1)
    }
    const [n, used] = parseOctet(ip)
    ip = ip.substring(used)
    b.push(n)
  }
  if (ip.length !== 0) throw new Error('Invalid IP')
  switch (b.length) {
    case 1: return b[0] >>> 0
    case 2:
      if (b[0] > 0xFF || b[1] > 0xFFFFFF) throw new Error('Invalid IP')
      return (b[0] << 24 | b[1]) >>> 0
    case 3:
      if (b[0] > 0xFF || b[1] > 0xFF || b[2] > 0xFFFF) throw new Error('Invalid IP')
      return (b[0] << 24 | b[1] << 16 | b[2]) >>> 0
    case 4:
      if (b[0] > 0xFF || b[1] > 0xFF || b[2] > 0xFF || b[3] > 0xFF) throw new Error('Invalid IP')
      return (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) >>> 0
    default: throw new Error('Invalid IP')
  }
}

/** An IPv4 CIDR range `a.b.c.d/n`. */
export class Netmask {
  readonly bitmask: number
  readonly maskLong: number
  readonly netLong: number

  constructor (net: string, mask?: unknown) {
    const m = typeof net === 'string' && mask === undefined ? /^([^/:]+)\/(\d{1,2})$/.exec(net) : null
    if (m == null || Number(m[2]) > 32) throw new TypeError(`netmask stand-in of the Parley browser build: only IPv4 "a.b.c.d/n" ranges are supported, got ${String(net)}`)
    this.bitmask = Number(m[2])
    this.maskLong = this.bitmask > 0 ? (0xFFFFFFFF << (32 - this.bitmask)) >>> 0 : 0
    try {
      this.netLong = (ip2long(m[1]) & this.maskLong) >>> 0
    } catch {
      throw new Error(`Invalid net address: ${m[1]}`)
    }
  }

  /** Whether the IPv4 address `ip` (four parts) lies in this range. */
  contains (ip: string): boolean {
    if (typeof ip !== 'string' || ip.includes('/') || ip.includes(':') || ip.split('.').length !== 4) {
      throw new TypeError(`netmask stand-in of the Parley browser build: contains() takes a four-part IPv4 address, got ${String(ip)}`)
    }
    return ((ip2long(ip) & this.maskLong) >>> 0) === this.netLong
  }
}
