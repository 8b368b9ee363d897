/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `@sindresorhus/fnv1a` where
 * `@libp2p/utils`' filters use it: always `fnv1a(input, { size: 32 })`. The package carries the
 * BigInt constants for 32- to 1024-bit hashes (≈1 KiB gzip of digits); this is FNV-1a 32 with
 * `Math.imul`, returning the same BigInt. Other sizes throw.
 */

const encoder = new TextEncoder()

export default function fnv1a (value: string | Uint8Array, options: { size?: number, utf8Buffer?: Uint8Array } = {}): bigint {
  const size = options.size ?? 32
  if (size !== 32) throw new RangeError(`fnv1a stand-in of the Parley browser build: only 32-bit hashes are supported, got size ${String(size)}`)
  const bytes = typeof value === 'string' ? encoder.encode(value) : value
  if (!(bytes instanceof Uint8Array)) throw new TypeError('fnv1a input must be a string or a Uint8Array')
  let hash = 0x811C9DC5
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]
    hash = Math.imul(hash, 0x01000193)
  }
  return BigInt(hash >>> 0)
}
