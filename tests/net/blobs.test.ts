/**
 * `/parley/blob/1.0.0` between real libp2p nodes on 127.0.0.1: a 20 MiB blob fetched whole and
 * byte-identical, a resumed fetch that moves only the missing pieces, deposits that resume and
 * that are refused before upload, and hostile input, each a typed error, with the server still
 * serving everyone else.
 */
import { createHash } from 'node:crypto'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { concatBytes, toHex } from '../../src/bytes.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { encodeManifest, type Manifest } from '../../src/crypto/attachment/pieces.js'
import { openAttachment } from '../../src/crypto/attachment/seal.js'
import type { SealedSummary } from '../../src/crypto/attachment/types.js'
import { BLOB_PROTOCOL, BlobRequest, BlobResponse, decodeBlobResponse } from '../../src/net/blob-codec.js'
import { type Blobs, blobs, type BlobsInit } from '../../src/net/blobs.js'
import { encodeFrame, FrameReader } from '../../src/net/stream/frame-reader.js'
import { MemoryBlobProvider, plaintext, sealInMemory } from '../helpers/blobs.js'
import { LOOPBACK_LISTEN } from '../helpers/network.js'

type Node = Libp2p<{ blobs: Blobs }>

const node = async (listen: string[], init: BlobsInit = {}): Promise<Node> => createLibp2p({
  addresses: { listen },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionGater: { denyDialMultiaddr: async () => false },
  services: { blobs: blobs(init) }
})

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return concatBytes(...parts)
}

const spec = (s: SealedSummary, manifest: Manifest): { key: Uint8Array, size: number, sha256: Uint8Array, manifest: Manifest } => ({ key: s.key, size: s.size, sha256: s.sha256, manifest })

/** Opens a raw blob stream from `from` to `to`, sends `bytes`, returns the first response (or the error). */
async function raw (from: Node, to: Node, bytes: Uint8Array): Promise<BlobResponse> {
  const stream = await from.dialProtocol(to.getMultiaddrs()[0], BLOB_PROTOCOL)
  const reader = new FrameReader(stream, { maxFrameBytes: 1 << 20 })
  stream.send(bytes)
  const frame = await reader.next({ idleTimeoutMs: 10_000 })
  if (frame === null) throw new Error('no response')
  stream.abort(new Error('done'))
  return decodeBlobResponse(frame)
}

describe('blob protocol between two nodes', () => {
  let server: Node
  let client: Node
  let other: Node
  const provider = new MemoryBlobProvider()
  let big: { summary: SealedSummary, pieces: Uint8Array[] }

  beforeAll(async () => {
    server = await node(LOOPBACK_LISTEN, { peerRate: { perSecond: 1000, burst: 1000 } })
    client = await node([])
    other = await node([])
    server.services.blobs.setProvider(provider)
    big = await sealInMemory(20 * 1024 * 1024)
    provider.add(big.summary, big.pieces)
    await client.dial(server.getMultiaddrs()[0])
  })

  afterAll(async () => {
    await Promise.all([client?.stop(), other?.stop(), server?.stop()])
  })

  it('fetches a 20 MiB blob in several requests: every piece verified, the plaintext byte-identical', async () => {
    const { summary } = big
    expect(summary.pieceDigests.length).toBeGreaterThan(64) // many requests
    const manifest = await client.services.blobs.fetchManifest(server.peerId, summary.digest, 1 << 30)
    expect(manifest.pieceDigests.length).toBe(summary.pieceDigests.length)
    provider.reads = 0
    const pieces = async function * (): AsyncGenerator<Uint8Array> {
      let expected = 0
      for await (const piece of client.services.blobs.fetchPieces(server.peerId, summary.digest, manifest, 0)) {
        expect(piece.index).toBe(expected++)
        yield piece.bytes
      }
    }
    const plain = await collect(openAttachment(nativeBackend, spec(summary, manifest), pieces()))
    expect(toHex(createHash('sha256').update(plain).digest())).toBe(toHex(summary.sha256))
    expect(toHex(plain.subarray(0, 1 << 20))).toBe(toHex((await plaintext(1 << 20).next()).value as Uint8Array))
    expect(provider.reads).toBe(summary.pieceDigests.length)
  })

  it('resumes from a piece: only the missing pieces move', async () => {
    const { summary } = big
    const manifest = await client.services.blobs.fetchManifest(server.peerId, summary.digest, 1 << 30)
    provider.reads = 0
    const from = 50
    let bytes = 0
    for await (const piece of client.services.blobs.fetchPieces(server.peerId, summary.digest, manifest, from)) bytes += piece.bytes.length
    expect(provider.reads).toBe(summary.pieceDigests.length - from)
    expect(bytes).toBe(summary.cipherLength - from * 262_208)
  })

  it('asks for the next range while the current one is read (two requests in flight), and a fetch given up early closes both streams', async () => {
    const { summary } = big
    const manifest = await client.services.blobs.fetchManifest(server.peerId, summary.digest, 1 << 30)
    const fetch = client.services.blobs.fetchPieces(server.peerId, summary.digest, manifest, 0)
    const first = await fetch.next()
    expect(first.value).toMatchObject({ index: 0 })
    // the first range (64 pieces) is not read yet, and the second is already asked for
    await expect.poll(() => server.services.blobs.openStreams, { timeout: 30_000 }).toBe(2)
    await fetch.return(undefined)
    // the client closed (or aborted) both: none of its blob streams is left open
    const clientBlobStreams = (): number => client.getConnections(server.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === BLOB_PROTOCOL).length
    await expect.poll(clientBlobStreams, { timeout: 30_000 }).toBe(0)
    await expect.poll(() => server.services.blobs.openStreams, { timeout: 30_000 }).toBe(0)
  })

  it('an unknown blob is ERR_BLOB_NOT_FOUND; a manifest of another blob is ERR_ATTACHMENT_DIGEST; over the caller\'s cap ERR_ATTACHMENT_TOO_LARGE', async () => {
    await expect(client.services.blobs.fetchManifest(server.peerId, new Uint8Array(32).fill(9), 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    const small = await sealInMemory(1000, 2)
    // a lying holder: serves the big blob's manifest under the small blob's digest
    provider.blobs.set(toHex(small.summary.digest), { manifest: encodeManifest(big.summary), pieces: big.pieces, complete: true })
    await expect(client.services.blobs.fetchManifest(server.peerId, small.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_DIGEST' })
    await expect(client.services.blobs.fetchManifest(server.peerId, big.summary.digest, 1 << 20)).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_TOO_LARGE' })
  })

  it('a holder serving a flipped byte or another file\'s piece: ERR_ATTACHMENT_CORRUPT at the client', async () => {
    const a = await sealInMemory(600_000, 3)
    const b = await sealInMemory(600_000, 4)
    const flipped = a.pieces.map((p) => p.slice())
    flipped[1][77] ^= 1
    provider.add(a.summary, flipped)
    await expect(collect((async function * () {
      for await (const p of client.services.blobs.fetchPieces(server.peerId, a.summary.digest, a.summary, 0)) yield p.bytes
    })())).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
    provider.add(a.summary, [a.pieces[0], b.pieces[1], a.pieces[2]])
    await expect(collect((async function * () {
      for await (const p of client.services.blobs.fetchPieces(server.peerId, a.summary.digest, a.summary, 1)) yield p.bytes
    })())).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
  })

  it('hostile requests are typed refusals, and the server keeps serving others', async () => {
    const addr = server.getMultiaddrs()[0]
    await other.dial(addr)
    // an oversize request frame (a device's server reads at most 1 KiB)
    expect((await raw(other, server, encodeFrame(new Uint8Array(5000)))).code).toBe('ERR_FRAME_TOO_LARGE')
    // garbage
    expect((await raw(other, server, encodeFrame(new Uint8Array([0xff, 0xff, 0xff])))).code).toBe('ERR_MALFORMED_FRAME')
    // a digest of the wrong length
    expect((await raw(other, server, encodeFrame(BlobRequest.encode({ op: BlobRequest.Op.FETCH, digest: new Uint8Array(5), from: 0, count: 1, wantManifest: true, manifest: new Uint8Array(0), mailbox: new Uint8Array(0), expiresAt: 0n, deleteHash: new Uint8Array(0), deleteToken: new Uint8Array(0) })))).code).toBe('ERR_MALFORMED_FRAME')
    // a deposit at a device: refused (a large manifest already by the request frame's size)
    const tiny = await sealInMemory(100, 9)
    await expect(other.services.blobs.deposit(server.peerId, { digest: tiny.summary.digest, manifest: tiny.summary, mailbox: new Uint8Array(32), expiresAt: 0, deleteHash: new Uint8Array(0) }, async (i) => tiny.pieces[i]))
      .rejects.toMatchObject({ code: 'ERR_NOT_ALLOWED' })
    await expect(other.services.blobs.deposit(server.peerId, { digest: big.summary.digest, manifest: big.summary, mailbox: new Uint8Array(32), expiresAt: 0, deleteHash: new Uint8Array(0) }, async (i) => big.pieces[i]))
      .rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' })
    // a count far beyond the blob or the per-request cap is clamped, not honoured
    const response = await raw(other, server, encodeFrame(BlobRequest.encode({ op: BlobRequest.Op.FETCH, digest: big.summary.digest, from: 70, count: 1_000_000, wantManifest: false, manifest: new Uint8Array(0), mailbox: new Uint8Array(0), expiresAt: 0n, deleteHash: new Uint8Array(0), deleteToken: new Uint8Array(0) })))
    expect(response.count).toBe(big.summary.pieceDigests.length - 70)
    // still serving the first client
    const manifest = await client.services.blobs.fetchManifest(server.peerId, big.summary.digest, 1 << 30)
    expect(manifest.pieceDigests.length).toBe(big.summary.pieceDigests.length)
  })
})

describe('blob server limits', () => {
  let server: Node
  const clients: Node[] = []
  const provider = new MemoryBlobProvider()
  let small: { summary: SealedSummary, pieces: Uint8Array[] }

  beforeAll(async () => {
    server = await node(LOOPBACK_LISTEN, { peerRate: { perSecond: 0.001, burst: 5 }, requestTimeoutMs: 300 })
    server.services.blobs.setProvider(provider)
    small = await sealInMemory(1000, 5)
    provider.add(small.summary, small.pieces)
    for (let i = 0; i < 3; i++) clients.push(await node([]))
  })

  afterAll(async () => {
    await Promise.all([...clients.map(async (c) => c.stop()), server?.stop()])
  })

  it('a peer over its request rate gets ERR_RATE_LIMITED; another peer is still served', async () => {
    const [greedy, polite] = clients
    for (let i = 0; i < 5; i++) await greedy.services.blobs.fetchManifest(server.peerId, small.summary.digest, 1 << 20).catch(async () => await greedy.dial(server.getMultiaddrs()[0]).then(async () => await greedy.services.blobs.fetchManifest(server.peerId, small.summary.digest, 1 << 20)))
    await expect(greedy.services.blobs.fetchManifest(server.peerId, small.summary.digest, 1 << 20)).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' })
    await polite.dial(server.getMultiaddrs()[0])
    expect((await polite.services.blobs.fetchManifest(server.peerId, small.summary.digest, 1 << 20)).pieceDigests.length).toBe(1)
  })

  it('a stream that never sends its request is closed after the request timeout', async () => {
    const [, , idle] = clients
    const stream: Stream = await idle.dialProtocol(server.getMultiaddrs()[0], BLOB_PROTOCOL)
    expect(server.services.blobs.openStreams).toBe(1)
    await new Promise<void>((resolve) => {
      if (stream.status !== 'open') { resolve(); return }
      stream.addEventListener('remoteCloseWrite', () => { resolve() })
      stream.addEventListener('close', () => { resolve() })
    })
    expect(server.services.blobs.openStreams).toBe(0)
    stream.abort(new Error('done'))
  })
})

describe('deposits (a relay-like provider)', () => {
  let relay: Node
  let sender: Node
  const provider = new MemoryBlobProvider({ deposits: true, maxCipherLength: 3 * 1024 * 1024 })

  beforeAll(async () => {
    relay = await node(LOOPBACK_LISTEN, { peerRate: { perSecond: 1000, burst: 1000 } })
    sender = await node([])
    relay.services.blobs.setProvider(provider)
    await sender.dial(relay.getMultiaddrs()[0])
  })

  afterAll(async () => {
    await Promise.all([sender?.stop(), relay?.stop()])
  })

  it('deposits, resumes an interrupted deposit from what the relay holds, then serves it', async () => {
    const blob = await sealInMemory(2 * 1024 * 1024, 6)
    const input = { digest: blob.summary.digest, manifest: blob.summary, mailbox: new Uint8Array(32).fill(1), expiresAt: 0, deleteHash: new Uint8Array(0) }
    const total = blob.pieces.length
    // the first attempt breaks after 3 pieces (the sender's source fails)
    await expect(sender.services.blobs.deposit(relay.peerId, input, async (i) => {
      if (i === 3) throw new Error('disk went away')
      return blob.pieces[i]
    })).rejects.toThrow('disk went away')
    expect(provider.writes).toBe(3)
    const asked: number[] = []
    const progress: number[] = []
    await sender.services.blobs.deposit(relay.peerId, input, async (i) => { asked.push(i); return blob.pieces[i] }, { onProgress: (held) => progress.push(held) })
    expect(asked[0]).toBe(3)
    expect(asked.length).toBe(total - 3)
    expect(provider.writes).toBe(total)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(progress.at(-1)).toBe(total)
    const manifest = await sender.services.blobs.fetchManifest(relay.peerId, blob.summary.digest, 1 << 30)
    const plain = await collect(openAttachment(nativeBackend, spec(blob.summary, manifest), (async function * () {
      for await (const p of sender.services.blobs.fetchPieces(relay.peerId, blob.summary.digest, manifest, 0)) yield p.bytes
    })()))
    expect(plain.length).toBe(2 * 1024 * 1024)
  })

  it('refuses a blob over its cap with ERR_BLOB_TOO_LARGE before any piece is sent', async () => {
    const blob = await sealInMemory(4 * 1024 * 1024, 7)
    const asked: number[] = []
    await expect(sender.services.blobs.deposit(relay.peerId, { digest: blob.summary.digest, manifest: blob.summary, mailbox: new Uint8Array(32), expiresAt: 0, deleteHash: new Uint8Array(0) }, async (i) => { asked.push(i); return blob.pieces[i] }))
      .rejects.toMatchObject({ code: 'ERR_BLOB_TOO_LARGE' })
    expect(asked).toEqual([])
  })

  it('a corrupt piece in an upload is refused with ERR_ATTACHMENT_CORRUPT and not stored', async () => {
    const blob = await sealInMemory(700_000, 8)
    const writes = provider.writes
    await expect(sender.services.blobs.deposit(relay.peerId, { digest: blob.summary.digest, manifest: blob.summary, mailbox: new Uint8Array(32), expiresAt: 0, deleteHash: new Uint8Array(0) }, async (i) => {
      const bytes = blob.pieces[i].slice()
      if (i === 1) bytes[5] ^= 1
      return bytes
    })).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
    expect(provider.writes).toBe(writes + 1)
  })
})
