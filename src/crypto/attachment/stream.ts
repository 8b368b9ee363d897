/**
 * The STREAM construction over ChaCha20-Poly1305 (as `age` uses it): chunk `i` is sealed under
 * the nonce `i` (11 bytes, big-endian) ‖ `last` (1 byte: 0x01 on the final chunk, else 0x00),
 * with no associated data. Reordering, replaying a counter, splicing chunks of another file or
 * cutting the stream short all fail authentication or the last-chunk check; any chunk can be
 * opened alone with the key and its index.
 */
import type { CryptoBackend } from '../backend.js'
import { CHUNK_SIZE, chunkCount, MAX_ATTACHMENT_SIZE, paddedAttachmentLength } from './constants.js'
import { AttachmentTooLargeError } from './errors.js'
import type { IncrementalHash } from './types.js'

/** One plaintext chunk, padded, with its STREAM position. */
export interface PlainChunk {
  index: number
  last: boolean
  data: Uint8Array
}

/** The 12-byte STREAM nonce of chunk `counter`. */
export function streamNonce (counter: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError(`Bad chunk counter ${counter}`)
  const nonce = new Uint8Array(12)
  let c = counter
  for (let i = 10; i >= 0 && c > 0; i--) {
    nonce[i] = c % 256
    c = Math.floor(c / 256)
  }
  nonce[11] = last ? 1 : 0
  return nonce
}

const NO_AD = new Uint8Array(0)

/** Seals one chunk (plaintext ‖ 16-byte tag). */
export async function sealChunk (backend: CryptoBackend, key: Uint8Array, counter: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
  return await backend.aeadSeal(key, streamNonce(counter, last), plaintext, NO_AD)
}

/** Opens one chunk; throws `DecryptError` (`ERR_DECRYPT`) when it was not sealed at this position with this key. */
export async function openChunk (backend: CryptoBackend, key: Uint8Array, counter: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array> {
  return await backend.aeadOpen(key, streamNonce(counter, last), sealed, NO_AD)
}

/** Options of {@link chunkPlaintext}. */
export interface ChunkOptions {
  /** Largest plaintext accepted; more throws `AttachmentTooLargeError` as soon as it is read. */
  maxSize?: number
  /** Sees every plaintext byte (before padding), for the announcement's SHA-256. */
  hash: IncrementalHash
  /** Called once at the end with the plaintext size. */
  onSize: (size: number) => void
}

/**
 * Stage 1: cuts any plaintext stream into 64 KiB chunks, appends zero padding up to
 * {@link paddedAttachmentLength} and marks the final chunk. Holds at most two chunks.
 */
export function chunkPlaintext (options: ChunkOptions): (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) => AsyncGenerator<PlainChunk> {
  const max = options.maxSize ?? MAX_ATTACHMENT_SIZE
  return async function * (source) {
    let buf = new Uint8Array(CHUNK_SIZE)
    let fill = 0
    let held: Uint8Array | undefined
    let counter = 0
    let size = 0
    for await (const data of source) {
      size += data.length
      if (size > max) throw new AttachmentTooLargeError(`Attachment larger than ${max} bytes`)
      options.hash.update(data)
      let offset = 0
      while (offset < data.length) {
        const n = Math.min(CHUNK_SIZE - fill, data.length - offset)
        buf.set(data.subarray(offset, offset + n), fill)
        fill += n
        offset += n
        if (fill === CHUNK_SIZE) {
          if (held !== undefined) yield { index: counter++, last: false, data: held }
          held = buf
          buf = new Uint8Array(CHUNK_SIZE)
          fill = 0
        }
      }
    }
    options.onSize(size)
    const padded = paddedAttachmentLength(size)
    const total = chunkCount(padded)
    const lengthOf = (index: number): number => Math.min(CHUNK_SIZE, padded - index * CHUNK_SIZE)
    if (held !== undefined) {
      yield { index: counter, last: counter === total - 1, data: held }
      counter++
    }
    if (counter < total) {
      yield { index: counter, last: counter === total - 1, data: buf.subarray(0, lengthOf(counter)) }
      counter++
    }
    for (; counter < total; counter++) {
      yield { index: counter, last: counter === total - 1, data: new Uint8Array(lengthOf(counter)) }
    }
  }
}

/** Stage 2: seals each chunk under the STREAM nonce. */
export function sealChunks (backend: CryptoBackend, key: Uint8Array): (source: AsyncIterable<PlainChunk>) => AsyncGenerator<Uint8Array> {
  return async function * (source) {
    for await (const chunk of source) yield await sealChunk(backend, key, chunk.index, chunk.last, chunk.data)
  }
}
