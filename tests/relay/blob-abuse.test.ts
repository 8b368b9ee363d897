/**
 * Abuse of a relay's blob store through `/parley/blob/1.0.0`, against a real relay on
 * 127.0.0.1 (loopback source addresses stand for remote hosts: 127.0.0.1 is the attacker,
 * 127.0.0.2 an honest user elsewhere): one address with many throwaway PeerIds and made-up
 * mailboxes stops at its share of blob bytes and of blobs while another address still uploads;
 * the share is released when a deposit is deleted; one address cannot hold every blob stream;
 * a stalled upload frees its slot and the blob's upload lock (its pieces stay for a resume);
 * a trickle that beats the idle timer still meets the whole-upload deadline.
 */
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SealedSummary } from '../../src/crypto/attachment/types.js'
import { type Blobs, blobs } from '../../src/net/blobs.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import { sealInMemory } from '../helpers/blobs.js'
import { tempDir, waitFor } from '../helpers/network.js'

type Client = Libp2p<{ blobs: Blobs }>
const MiB = 1024 * 1024
const HONEST_ADDRESS = '127.0.0.2'

/** Blob streams the relay has open now. */
const blobStreams = (relay: Relay): number => (relay.libp2p.services as unknown as { blobs: Blobs }).blobs.openStreams

const depositOf = (s: SealedSummary, extra: { deleteHash?: Uint8Array } = {}): Parameters<Blobs['deposit']>[1] =>
  ({ digest: s.digest, manifest: s, mailbox: randomBytes(32), expiresAt: 0, deleteHash: extra.deleteHash ?? new Uint8Array(0) })

describe('relay blob store under abuse', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const relays: Relay[] = []
  const clients: Client[] = []
  /** Fires at the end of each test: releases the piece reads the tests hold back. */
  let release = new AbortController()

  const relayWith = async (name: string, limits: RelayConfigInput['limits']): Promise<Relay> => {
    const relay = await startRelay({
      dataDir: join(dir.path, name),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' },
      // loopback is exempt from address limits by default: here it stands for remote hosts
      limits: { addressLimitExempt: [], blobMaxBytes: 32 * MiB, ...limits }
    }, { logger: silentLogger })
    relays.push(relay)
    return relay
  }

  /** A fresh PeerId whose TCP connections leave from `from` (default 127.0.0.1). */
  const newClient = async (relay: Relay, from?: string): Promise<Client> => {
    // @libp2p/tcp spreads dialOpts into net.connect(); its type lists only a subset of the socket options
    const dialOpts = (from === undefined ? {} : { localAddress: from }) as TCPSocketOptions
    const c = await createLibp2p({
      addresses: { listen: [] }, transports: [tcp({ dialOpts })], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { blobs: blobs() }
    })
    clients.push(c)
    await c.dial(relay.multiaddrs[0])
    return c
  }

  /** A piece source that serves pieces below `stallAt` and holds the rest back until the test ends. */
  const stallingAt = (pieces: Uint8Array[], stallAt: number, asked: number[] = []) => async (i: number): Promise<Uint8Array> => {
    asked.push(i)
    if (i < stallAt) return pieces[i]
    const signal = release.signal
    return await new Promise<Uint8Array>((_resolve, reject) => {
      signal.addEventListener('abort', () => { reject(new Error('test over')) }, { once: true })
    })
  }

  beforeAll(async () => { dir = await tempDir('parley-blob-abuse-') })
  afterEach(async () => {
    release.abort()
    release = new AbortController()
    await Promise.all(clients.splice(0).map(async (c) => c.stop()))
    await Promise.all(relays.splice(0).map(async (r) => r.stop()))
  })
  afterAll(async () => { await dir?.cleanup() })

  it('a thousand-PeerId host stops at its share of blob bytes; an honest user on another address still uploads', async () => {
    // scaled down: 8 MiB of blob storage, 3 MiB per address, roomy mailbox quotas
    const relay = await relayWith('bytes-share', { blobStorageMaxBytes: 8 * MiB, blobStoredBytesPerAddress: 3 * MiB, blobMailboxMaxBytes: 64 * MiB })
    const junk = await Promise.all(Array.from({ length: 8 }, async (_, i) => sealInMemory(MiB, 100 + i)))
    // every deposit through its own fresh PeerId, for a made-up mailbox, all from 127.0.0.1
    const attackers = await Promise.all(junk.map(async () => newClient(relay)))
    const results = await Promise.allSettled(junk.map(async (blob, i) =>
      attackers[i].services.blobs.deposit(relay.peerId, depositOf(blob.summary), async (p) => blob.pieces[p])))
    const stored = results.filter((r) => r.status === 'fulfilled').length
    const refused = results.flatMap((r) => r.status === 'rejected' ? [(r.reason as { code?: string }).code] : [])
    expect(stored).toBe(2) // 2 × 1.03 MiB of ciphertext fit in 3 MiB, a third does not
    expect(refused).toEqual(Array(6).fill('ERR_BLOB_QUOTA'))
    expect(relay.blobStore.totalBytes).toBeLessThanOrEqual(3 * MiB)
    expect(relay.metrics.get('parley_relay_blob_quota_refusals_total', { quota: 'address_bytes' })).toBe(6)
    // another host: its 3 MiB file goes in whole, and comes back out
    const honestBlob = await sealInMemory(3 * MiB - 200_000, 7)
    const honest = await newClient(relay, HONEST_ADDRESS)
    await honest.services.blobs.deposit(relay.peerId, depositOf(honestBlob.summary), async (p) => honestBlob.pieces[p])
    const manifest = await honest.services.blobs.fetchManifest(relay.peerId, honestBlob.summary.digest, 1 << 30)
    let pieces = 0
    for await (const piece of honest.services.blobs.fetchPieces(relay.peerId, honestBlob.summary.digest, manifest, 0)) {
      expect(piece.bytes).toEqual(honestBlob.pieces[piece.index])
      pieces++
    }
    expect(pieces).toBe(honestBlob.pieces.length)
  })

  it('caps the blobs an address holds; deleting a deposit gives its share back', async () => {
    const relay = await relayWith('count-share', { blobsPerAddress: 3 })
    const token = randomBytes(32)
    const deleteHash = new Uint8Array(createHash('sha256').update(token).digest())
    const tiny = await Promise.all(Array.from({ length: 5 }, async (_, i) => sealInMemory(1000, 200 + i)))
    const attacker = await newClient(relay)
    for (let i = 0; i < 3; i++) {
      await attacker.services.blobs.deposit(relay.peerId, depositOf(tiny[i].summary, { deleteHash }), async (p) => tiny[i].pieces[p])
    }
    const another = await newClient(relay)
    await expect(another.services.blobs.deposit(relay.peerId, depositOf(tiny[3].summary), async (p) => tiny[3].pieces[p]))
      .rejects.toMatchObject({ code: 'ERR_BLOB_QUOTA' })
    expect(relay.metrics.get('parley_relay_blob_quota_refusals_total', { quota: 'address_blobs' })).toBe(1)
    // another address is not charged for them
    const honest = await newClient(relay, HONEST_ADDRESS)
    await honest.services.blobs.deposit(relay.peerId, depositOf(tiny[4].summary), async (p) => tiny[4].pieces[p])
    // a deposit deleted by its token frees its place in the share
    await attacker.services.blobs.delete(relay.peerId, tiny[0].summary.digest, token)
    await another.services.blobs.deposit(relay.peerId, depositOf(tiny[3].summary), async (p) => tiny[3].pieces[p])
    expect(relay.blobStore.blobCount).toBe(4)
  })

  it('one address cannot hold every blob stream: its stalled uploads are capped, another address still uploads', async () => {
    const relay = await relayWith('stream-slots', { blobMaxStreamsPerAddress: 2 })
    const stalled = await Promise.all([1, 2].map(async (seed) => sealInMemory(2 * MiB, 300 + seed)))
    const hogs = await Promise.all(stalled.map(async () => newClient(relay)))
    const hanging = stalled.map(async (blob, i) => hogs[i].services.blobs.deposit(relay.peerId, depositOf(blob.summary), stallingAt(blob.pieces, 1)).catch((err: unknown) => err))
    await waitFor(() => blobStreams(relay) === 2, 20_000, 'two stalled uploads held open')
    // a third PeerId from the same address is refused
    const third = await newClient(relay)
    const small = await sealInMemory(300_000, 310)
    await expect(third.services.blobs.deposit(relay.peerId, depositOf(small.summary), async (p) => small.pieces[p]))
      .rejects.toMatchObject({ code: 'ERR_TOO_MANY_STREAMS' })
    // …and so is a fetch from it; another address is served
    const honest = await newClient(relay, HONEST_ADDRESS)
    await honest.services.blobs.deposit(relay.peerId, depositOf(small.summary), async (p) => small.pieces[p])
    expect((await honest.services.blobs.fetchManifest(relay.peerId, small.summary.digest, 1 << 30)).pieceDigests.length).toBe(small.pieces.length)
    release.abort()
    await Promise.all(hanging)
  })

  it('a stalled upload frees its slot and the blob\'s upload lock; the next depositor resumes from its pieces', async () => {
    // the idle timer is the subject here; the test awaits its effect rather than racing it
    const relay = await relayWith('stall', { blobUploadIdleMs: 1500 })
    const blob = await sealInMemory(3 * MiB, 400)
    const staller = await newClient(relay)
    const outcome = staller.services.blobs.deposit(relay.peerId, depositOf(blob.summary), stallingAt(blob.pieces, 3)).then(() => 'completed', (err: { code?: string }) => err.code)
    await waitFor(() => relay.metrics.get('parley_relay_blob_refusals_total', { code: 'ERR_IDLE_TIMEOUT' }) === 1, 30_000, 'the relay dropping the stalled upload')
    await waitFor(() => blobStreams(relay) === 0, 20_000, 'the stalled stream closed')
    // the same blob, from another PeerId: not refused as "being uploaded", and resumed after piece 2
    const next = await newClient(relay)
    const asked: number[] = []
    await next.services.blobs.deposit(relay.peerId, depositOf(blob.summary), async (p) => { asked.push(p); return blob.pieces[p] })
    expect(asked[0]).toBe(3)
    expect(asked).toHaveLength(blob.pieces.length - 3)
    expect(relay.blobStore.blobCount).toBe(1)
    release.abort()
    expect(await outcome).not.toBe('completed')
  })

  it('a trickle that beats the idle timer still meets the whole-upload deadline (ERR_BLOB_UPLOAD_TIMEOUT)', async () => {
    // 6 MiB at ≥ 4 MiB/s after a 0.5 s grace: 2 s allowed; the trickle (a piece per 400 ms) needs ~10 s
    const relay = await relayWith('trickle', { blobUploadGraceMs: 500, blobUploadMinBytesPerSecond: 4 * MiB })
    const blob = await sealInMemory(6 * MiB, 500)
    const slow = await newClient(relay)
    const signal = release.signal
    await expect(slow.services.blobs.deposit(relay.peerId, depositOf(blob.summary), async (p) => {
      await new Promise((resolve) => { const t = setTimeout(resolve, 400); signal.addEventListener('abort', () => { clearTimeout(t); resolve(undefined) }) })
      return blob.pieces[p]
    })).rejects.toMatchObject({ code: 'ERR_BLOB_UPLOAD_TIMEOUT' })
    expect(relay.metrics.get('parley_relay_blob_refusals_total', { code: 'ERR_BLOB_UPLOAD_TIMEOUT' })).toBe(1)
    await waitFor(() => blobStreams(relay) === 0, 20_000, 'the trickling stream closed')
    expect(relay.blobStore.blobCount).toBe(1) // its verified pieces stay for a resume
  })
})
