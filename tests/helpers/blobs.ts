/** Test helpers for blobs: sealing in memory, and an in-memory BlobProvider that counts what it serves. */
import { toHex } from '../../src/bytes.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { AttachmentSealer } from '../../src/crypto/attachment/seal.js'
import { encodeManifest } from '../../src/crypto/attachment/pieces.js'
import type { SealedSummary } from '../../src/crypto/attachment/types.js'
import type { BlobDeposit, BlobProvider, DepositRequest } from '../../src/net/blob-provider.js'
import { BlobTooLargeError } from '../../src/net/blob-errors.js'

/** Deterministic, incompressible-looking plaintext of `size` bytes, produced in 1 MiB parts. */
export async function * plaintext (size: number, seed = 1): AsyncGenerator<Uint8Array> {
  let x = seed * 2654435761 >>> 0
  for (let offset = 0; offset < size; offset += 1 << 20) {
    const part = new Uint8Array(Math.min(1 << 20, size - offset))
    for (let i = 0; i < part.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      part[i] = x >>> 24
    }
    yield part
  }
}

/** Seals `size` bytes in memory. */
export async function sealInMemory (size: number, seed = 1): Promise<{ summary: SealedSummary, pieces: Uint8Array[] }> {
  const sealer = new AttachmentSealer(nativeBackend)
  const pieces: Uint8Array[] = []
  for await (const piece of sealer.seal(plaintext(size, seed))) pieces.push(piece.bytes)
  return { summary: sealer.summary, pieces }
}

interface Held { manifest: Uint8Array, pieces: Uint8Array[], complete: boolean }

/** An in-memory provider; `reads` counts pieces served, `writes` pieces deposited. */
export class MemoryBlobProvider implements BlobProvider {
  readonly blobs = new Map<string, Held>()
  reads = 0
  writes = 0
  deposit?: (request: DepositRequest) => Promise<BlobDeposit>
  readonly maxManifestBytes: number

  constructor (options: { deposits?: boolean, maxCipherLength?: number } = {}) {
    const max = options.maxCipherLength ?? 1 << 30
    this.maxManifestBytes = 8 + 32 * Math.ceil(max / 262_208)
    if (options.deposits === true) {
      this.deposit = async (request) => {
        if (request.manifest.cipherLength > max) throw new BlobTooLargeError(`Blob of ${request.manifest.cipherLength} bytes exceeds ${max}`)
        const key = toHex(request.digest)
        const held = this.blobs.get(key) ?? { manifest: request.manifestBytes, pieces: [], complete: false }
        this.blobs.set(key, held)
        return {
          have: held.pieces.length,
          write: async (index, bytes) => { held.pieces[index] = bytes; this.writes++ },
          complete: async () => { held.complete = true },
          abort: async () => {}
        }
      }
    }
  }

  add (summary: SealedSummary, pieces: Uint8Array[]): void {
    this.blobs.set(toHex(summary.digest), { manifest: encodeManifest(summary), pieces, complete: true })
  }

  async manifest (digest: Uint8Array): Promise<Uint8Array | undefined> {
    const held = this.blobs.get(toHex(digest))
    return held?.complete === true ? held.manifest : undefined
  }

  async readPiece (digest: Uint8Array, index: number): Promise<Uint8Array | undefined> {
    const held = this.blobs.get(toHex(digest))
    if (held?.complete !== true) return undefined
    this.reads++
    return held.pieces[index]
  }
}
