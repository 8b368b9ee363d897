/** Small byte helpers used by the store's key schema and codecs. */

const te = new TextEncoder()
const td = new TextDecoder('utf-8', { fatal: true })

export function utf8 (s: string): Uint8Array {
  return te.encode(s)
}

export function fromUtf8 (b: Uint8Array): string {
  return td.decode(b)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

/** Lexicographic byte comparison (the order LevelDB and IndexedDB use for binary keys). */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

export function startsWith (b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false
  return true
}

/** Big-endian unsigned 64-bit encoding of a non-negative safe integer (sorts numerically). */
export function u64 (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`)
  const out = new Uint8Array(8)
  const view = new DataView(out.buffer)
  view.setUint32(0, Math.floor(n / 0x1_0000_0000))
  view.setUint32(4, n >>> 0)
  return out
}

export function readU64 (b: Uint8Array, offset: number): number {
  return Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset))
}

/** The smallest key greater than every key starting with `prefix` (for `lt` range bounds). */
export function prefixEnd (prefix: Uint8Array): Uint8Array {
  const out = prefix.slice()
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 0xff) { out[i]++; return out.subarray(0, i + 1) }
  }
  return concat(prefix, new Uint8Array([0xff])) // all 0xff: unreachable for our prefixes
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex (b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX[b[i]]
  return s
}

/** Value of a lowercase hex digit's char code, or -1. */
const NIBBLE = Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57) ? c - 48 : (c >= 97 && c <= 102) ? c - 87 : -1)

/** Lowercase hex → bytes; throws TypeError on anything else. */
export function fromHex (s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new TypeError('invalid hex')
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[s.charCodeAt(i * 2)] ?? -1
    const lo = NIBBLE[s.charCodeAt(i * 2 + 1)] ?? -1
    if (hi < 0 || lo < 0) throw new TypeError('invalid hex')
    out[i] = hi * 16 + lo
  }
  return out
}
