/** Small byte helpers shared by the crypto module (no secrets are logged or copied needlessly). */
import { equalBytes } from '@noble/ciphers/utils.js'
import { InvalidKeyError } from './errors.js'

export { equalBytes }

const encoder = new TextEncoder()

/** UTF-8 bytes of a protocol label. */
export function utf8 (text: string): Uint8Array {
  return encoder.encode(text)
}

/** Concatenation of `parts` into one new array. */
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

/** Throws {@link InvalidKeyError} unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function checkLength (bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new InvalidKeyError(`${what} must be ${length} bytes`)
  }
}

/** True when every byte is zero (checked without early exit). */
export function isAllZero (bytes: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]
  return acc === 0
}

/** Lower-case hex of `bytes` (used for map keys of public values only). */
export function toHex (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16)
  return s
}

/** Overwrite with zeros; tolerates undefined. */
export function wipe (...arrays: Array<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0)
}

/** A copy that owns its own memory (Node Buffers may share a pool). */
export function ownBytes (bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes)
}
