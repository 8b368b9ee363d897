/**
 * The one bytes module: small helpers over `Uint8Array` shared by every folder (the layer rules
 * let any folder import this root module; it imports no folder). Nothing here logs or copies
 * secrets needlessly.
 *
 * @packageDocumentation
 */
import { equalBytes as constantTimeEqual } from '@noble/ciphers/utils.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** Value of a hex digit's char code (either case), or -1. */
const NIBBLE = Array.from({ length: 128 }, (_, c) =>
  (c >= 48 && c <= 57) ? c - 48 : (c >= 97 && c <= 102) ? c - 87 : (c >= 65 && c <= 70) ? c - 55 : -1)

/**
 * Lowercase hex of bytes (ids, map keys; never secrets in logs).
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([1, 255])) // '01ff'
 * ```
 */
export function toHex (bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]]
  return out
}

/**
 * Bytes of a lowercase/uppercase hex string; throws a `TypeError` on odd length or non-hex
 * characters.
 *
 * @example
 * ```ts
 * fromHex('01ff') // Uint8Array [1, 255]
 * ```
 */
export function fromHex (hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError('Invalid hex string')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[hex.charCodeAt(i * 2)] ?? -1
    const lo = NIBBLE[hex.charCodeAt(i * 2 + 1)] ?? -1
    if (hi < 0 || lo < 0) throw new TypeError('Invalid hex string')
    out[i] = hi * 16 + lo
  }
  return out
}

/** UTF-8 bytes of a string (protocol labels, store keys). */
export function utf8 (text: string): Uint8Array {
  return encoder.encode(text)
}

/** The string of UTF-8 bytes; throws a `TypeError` on malformed UTF-8. */
export function fromUtf8 (bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/**
 * Concatenation of `parts` into one new array.
 *
 * @example
 * ```ts
 * concatBytes(utf8('a'), utf8('b')) // Uint8Array [97, 98]
 * ```
 */
export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Byte equality in time independent of where the arrays differ (safe for secrets and MACs). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return constantTimeEqual(a, b)
}

/** Lexicographic byte comparison (the order LevelDB and IndexedDB use for binary keys). */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/** True when `bytes` begins with `prefix`. */
export function startsWith (bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** The smallest key greater than every key starting with `prefix` (for `lt` range bounds). */
export function prefixEnd (prefix: Uint8Array): Uint8Array {
  const out = prefix.slice()
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 0xff) { out[i]++; return out.subarray(0, i + 1) }
  }
  return concatBytes(prefix, new Uint8Array([0xff])) // all 0xff: unreachable for our prefixes
}

/** 4-byte big-endian encoding of an unsigned 32-bit integer. */
export function u32be (value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value >>> 0, false)
  return out
}

/** 8-byte big-endian encoding of a non-negative safe integer (e.g. a millisecond timestamp). */
export function u64be (value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.trunc(value)), false)
  return out
}

/**
 * Big-endian unsigned 64-bit encoding of a non-negative safe integer (sorts numerically);
 * throws a `RangeError` for anything else.
 */
export function u64 (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`)
  const out = new Uint8Array(8)
  const view = new DataView(out.buffer)
  view.setUint32(0, Math.floor(n / 0x1_0000_0000))
  view.setUint32(4, n >>> 0)
  return out
}

/** The big-endian unsigned 64-bit integer at `offset`. */
export function readU64 (bytes: Uint8Array, offset: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset))
}

/** True when every byte is zero (checked without early exit). */
export function isAllZero (bytes: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]
  return acc === 0
}

/** Overwrite with zeros; tolerates undefined. */
export function wipe (...arrays: Array<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0)
}

/** A copy that owns its own memory (Node Buffers may share a pool). */
export function ownBytes (bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes)
}
