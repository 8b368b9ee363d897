/** Shared by the attachment vectors generator and tests: deterministic inputs, one seal run. */
import { toHex } from '../../src/bytes.js'
import type { CryptoBackend } from '../../src/crypto/backend.js'
import { AttachmentSealer } from '../../src/crypto/attachment/index.js'
import { seededRandom } from './helpers.js'

/** The plaintext sizes of the frozen vectors: empty, tiny, one chunk, one piece, several pieces with a short tail. */
export const VECTOR_SIZES = [0, 100, 65536, 262144, 300000]

/** Deterministic plaintext of `size` bytes (SHA-256 counter stream). */
export function vectorPlaintext (size: number): Uint8Array {
  return seededRandom(`parley-attachment-v1 plaintext ${size}`)(size)
}

/** Deterministic attachment key for `size`. */
export function vectorKey (size: number): Uint8Array {
  return seededRandom(`parley-attachment-v1 key ${size}`)(32)
}

/** One vector: what sealing `size` bytes gives. */
export interface AttachmentVector {
  size: number
  key: string
  sha256: string
  cipherLength: number
  digest: string
  pieceDigests: string[]
  /** Whole ciphertext, for the small sizes only (the piece digests pin the others). */
  ciphertext?: string
}

/** Seals the vector input through `backend`, in 1000-byte writes (so chunking is exercised). */
export async function sealVector (backend: CryptoBackend, size: number): Promise<{ vector: AttachmentVector, pieces: Uint8Array[] }> {
  const plain = vectorPlaintext(size)
  const parts: Uint8Array[] = []
  for (let i = 0; i < plain.length; i += 1000) parts.push(plain.subarray(i, i + 1000))
  const sealer = new AttachmentSealer(backend, { key: vectorKey(size) })
  const pieces: Uint8Array[] = []
  for await (const piece of sealer.seal(parts)) pieces.push(piece.bytes)
  const s = sealer.summary
  const vector: AttachmentVector = {
    size: s.size,
    key: toHex(s.key),
    sha256: toHex(s.sha256),
    cipherLength: s.cipherLength,
    digest: toHex(s.digest),
    pieceDigests: s.pieceDigests.map(toHex),
    ...(size <= 100 ? { ciphertext: pieces.map(toHex).join('') } : {})
  }
  return { vector, pieces }
}
