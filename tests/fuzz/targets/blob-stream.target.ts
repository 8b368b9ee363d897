import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from 'node:crypto'
import * as fc from 'fast-check'
import { blobDigest, decodeManifest, encodeManifest, pieceDigest, verifyPiece, type Manifest } from '../../../src/crypto/attachment/pieces.js'
import { BlobClient } from '../../../src/net/blob-client.js'
import { BLOB_PROTOCOL, BlobRequest, decodeBlobRequest, decodeBlobResponse } from '../../../src/net/blob-codec.js'
import { MAX_BLOB_RESPONSE_FRAME_BYTES } from '../../../src/net/blob-constants.js'
import { encodeFrame } from '../../../src/net/stream/frame-reader.js'
import type { Relay } from '../../../src/relay/relay.js'
import { tempDir, waitFor } from '../../helpers/network.js'
import { startClient, startTestRelay } from '../../relay/helpers.js'
import { hostileBytes, hostileChunks } from '../mutate.js'
import { hostileStream } from '../streams.js'
import { typedOrResult, type FuzzTarget } from '../target.js'

const READ_MS = 150

function gauge (relay: Relay, name: string): number {
  const line = relay.metrics.render().split('\n').find((l) => l.startsWith(name + ' '))
  return Number(line?.split(' ')[1])
}

/** A one-piece blob of `size` bytes: its piece, manifest and digest. */
function blobOf (size: number): { piece: Uint8Array, manifest: Manifest, digest: Uint8Array } {
  const piece = new Uint8Array(randomBytes(size))
  const manifest = { cipherLength: size, pieceDigests: [pieceDigest(piece)] }
  return { piece, manifest, digest: blobDigest(manifest) }
}

const seed = blobOf(300)
const mailbox = new Uint8Array(32).fill(3)
const EMPTY = new Uint8Array(0)
const validRequest = fc.oneof(
  fc.record({ from: fc.nat({ max: 70 }), count: fc.nat({ max: 70 }), wantManifest: fc.boolean() }).map((f) => ({ op: BlobRequest.Op.FETCH, digest: seed.digest, ...f, manifest: EMPTY, mailbox: EMPTY, expiresAt: 0n, deleteHash: EMPTY, deleteToken: EMPTY })),
  fc.record({ expiresAt: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }).map((f) => ({ op: BlobRequest.Op.DEPOSIT, digest: seed.digest, from: 0, count: 0, wantManifest: false, manifest: encodeManifest(seed.manifest), mailbox, deleteHash: new Uint8Array(32), deleteToken: EMPTY, ...f })),
  fc.record({ deleteToken: fc.uint8Array({ maxLength: 40 }) }).map((f) => ({ op: BlobRequest.Op.DELETE, digest: seed.digest, from: 0, count: 0, wantManifest: false, manifest: EMPTY, mailbox: EMPTY, expiresAt: 0n, deleteHash: EMPTY, ...f }))
).map((r) => BlobRequest.encode(r))

/** Request frames, and now and then the seed's piece (or a mutation of it) as a deposit's next frame. */
const chunks = hostileChunks(fc.oneof({ weight: 5, arbitrary: hostileBytes(validRequest) }, { weight: 1, arbitrary: hostileBytes(fc.constant(seed.piece), 400) }), encodeFrame)

/**
 * `/parley/blob/1.0.0` on a real relay over loopback (its blob store on disk): hostile frames —
 * mutated fetch, deposit and delete requests, pieces, raw bytes, lying length prefixes — from one
 * attacker, and the pure decoders on each frame (`decodeBlobRequest`, `decodeManifest`,
 * `verifyPiece`). Every answer frame is within the response bound; afterwards every blob stream is
 * released and an honest client deposits a blob and fetches it back verified.
 */
const target: FuzzTarget<{ chunks: Uint8Array[], closeWrite: boolean }> = {
  name: 'blob-stream',
  covers: '/parley/blob/1.0.0 handler of a real relay (src/net/blob-server.ts, src/relay/blob-store/), decodeBlobRequest, decodeManifest, verifyPiece',
  input: fc.record({ chunks, closeWrite: fc.boolean() }),
  runs: 50,
  runTimeoutMs: 10_000,
  open: async () => {
    const dir = await tempDir('parley-fuzz-blobs-')
    const clients: Libp2p[] = []
    let relay: Relay | undefined
    const stopAll = async (): Promise<void> => {
      await Promise.allSettled(clients.map(async (c) => c.stop()))
      await relay?.stop()
      await dir.cleanup()
    }
    try {
      relay = await startTestRelay(dir.path, { limits: { frameTimeoutMs: 300 } })
      const attacker = await startClient()
      clients.push(attacker)
      const r = relay
      let answers = 0
      return {
        run: async ({ chunks, closeWrite }, options) => {
          for (const chunk of chunks) {
            const request = typedOrResult(() => decodeBlobRequest(chunk))
            if (request != null && request.manifest.length > 0) typedOrResult(() => decodeManifest(request.manifest, request.digest, 1 << 30))
            typedOrResult(() => { verifyPiece(seed.manifest, 0, chunk) })
          }
          answers += await hostileStream({
            open: async (o) => attacker.dialProtocol(r.multiaddrs[0], BLOB_PROTOCOL, o),
            chunks,
            closeWrite,
            maxAnswerBytes: MAX_BLOB_RESPONSE_FRAME_BYTES,
            // a response, or a piece frame after a FETCH answered OK (raw bytes): bounded either way
            checkAnswer: (frame) => { if (frame.length !== seed.piece.length) decodeBlobResponse(frame) },
            readMs: READ_MS,
            ...options
          })
        },
        healthy: async () => {
          if (answers === 0) throw new Error('the relay answered no hostile blob request: the target does not reach the handler')
          await waitFor(() => gauge(r, 'parley_relay_blob_streams') === 0, 15_000, 'every hostile blob stream released')
          const honest = await startClient()
          clients.push(honest)
          const client = new BlobClient(async (peer, protocol, o) => await honest.dialProtocol(r.multiaddrs[0], protocol, o))
          const blob = blobOf(1000)
          await client.deposit(r.peerId, { digest: blob.digest, manifest: blob.manifest, mailbox, expiresAt: 0, deleteHash: new Uint8Array(32) }, async () => blob.piece)
          const manifest = await client.fetchManifest(r.peerId, blob.digest, 1 << 20)
          for await (const piece of client.fetchPieces(r.peerId, blob.digest, manifest, 0)) verifyPiece(manifest, piece.index, piece.bytes)
        },
        close: stopAll
      }
    } catch (err) {
      await stopAll()
      throw err
    }
  }
}
export default target
