/**
 * Length-hiding padding (ISO/IEC 7816-4 style): append 0x80, then zeros up to a bucket size.
 * Buckets: multiples of 256 bytes up to 4 KiB; above that, four steps per power of two
 * (step = 2^(floor(log2(n + 1)) - 2)), so overhead stays under 25 % and sizes fall in few classes.
 */
import { MAX_PADDED_SIZE } from './constants.js'
import { MalformedMessageError, MessageTooLargeError } from './errors.js'

/**
 * Size of the padded form of an `n`-byte plaintext (always > n).
 *
 * @example
 * ```ts
 * paddedLength(0)    // 256
 * paddedLength(255)  // 256
 * paddedLength(256)  // 512
 * paddedLength(5000) // 5120
 * ```
 */
export function paddedLength (n: number): number {
  const s = n + 1
  if (s <= 4096) return Math.ceil(s / 256) * 256
  const step = 2 ** (Math.floor(Math.log2(s)) - 2)
  return Math.ceil(s / step) * step
}

/**
 * Pads `plaintext` to its bucket; throws `MessageTooLargeError` beyond `max` bytes padded.
 *
 * @example
 * ```ts
 * const padded = pad(new TextEncoder().encode('hi')) // 256 bytes: 'h' 'i' 0x80 0 0 …
 * ```
 */
export function pad (plaintext: Uint8Array, max = MAX_PADDED_SIZE): Uint8Array {
  const length = paddedLength(plaintext.length)
  if (length > max) throw new MessageTooLargeError(`Plaintext of ${plaintext.length} bytes exceeds the ${max}-byte padded limit`)
  const out = new Uint8Array(length)
  out.set(plaintext, 0)
  out[plaintext.length] = 0x80
  return out
}

/**
 * Removes padding (returns a view into `padded`); throws `MalformedMessageError` when the
 * 0x80 terminator is missing.
 *
 * @example
 * ```ts
 * unpad(pad(bytes)) // equal to bytes
 * ```
 */
export function unpad (padded: Uint8Array): Uint8Array {
  let i = padded.length - 1
  while (i >= 0 && padded[i] === 0) i--
  if (i < 0 || padded[i] !== 0x80) throw new MalformedMessageError('Bad padding')
  return padded.subarray(0, i)
}
