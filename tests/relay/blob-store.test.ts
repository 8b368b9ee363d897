/**
 * The relay's blob store through `/parley/blob/1.0.0` on real processes' parts (a relay and
 * libp2p clients on 127.0.0.1, the files on disk): a 20 MiB file deposited and fetched back
 * byte-identical with no plaintext in any relay file, the operator's caps refused before the
 * upload, resumed uploads across a relay restart, delete by token, expiry, byte rate per address.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toHex, utf8 } from '../../src/bytes.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { openAttachment } from '../../src/crypto/attachment/seal.js'
import { AttachmentSealer } from '../../src/crypto/attachment/seal.js'
import type { SealedSummary } from '../../src/crypto/attachment/types.js'
import { type Blobs, blobs } from '../../src/net/blobs.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { sealInMemory } from '../helpers/blobs.js'
import { tempDir } from '../helpers/network.js'

type Client = Libp2p<{ blobs: Blobs }>
const MiB = 1024 * 1024
const MARKER = 'PARLEY-PLAINTEXT-MARKER-7f3a'

const client = async (): Promise<Client> => createLibp2p({
  addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { blobs: blobs() }
})

/** Plaintext full of the marker (every 4 KiB), in 1 MiB parts. */
async function * markedPlaintext (size: number): AsyncGenerator<Uint8Array> {
  const marker = utf8(MARKER)
  for (let offset = 0; offset < size; offset += MiB) {
    const part = new Uint8Array(Math.min(MiB, size - offset))
    for (let i = 0; i < part.length; i++) part[i] = (offset + i) * 7 % 251
    for (let i = 0; i + marker.length <= part.length; i += 4096) part.set(marker, i)
    yield part
  }
}

/** Every file under `dir` (recursively). */
async function files (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await files(path))
    else out.push(path)
  }
  return out
}

/** True when `path` contains `needle` (streamed; a hit across two reads is found too). */
async function contains (path: string, needle: string): Promise<boolean> {
  let tail = ''
  for await (const chunk of createReadStream(path, { encoding: 'latin1' })) {
    const text = tail + (chunk as string)
    if (text.includes(needle)) return true
    tail = text.slice(-needle.length)
  }
  return false
}

async function fetchAll (from: Client, relay: Relay, s: SealedSummary): Promise<Uint8Array[]> {
  const manifest = await from.services.blobs.fetchManifest(relay.peerId, s.digest, 1 << 30)
  const out: Uint8Array[] = []
  for await (const plain of openAttachment(nativeBackend, { key: s.key, size: s.size, sha256: s.sha256, manifest }, (async function * () {
    for await (const p of from.services.blobs.fetchPieces(relay.peerId, s.digest, manifest, 0)) yield p.bytes
  })())) out.push(plain)
  return out
}

const deposit = (s: SealedSummary, mailbox: number, extra: { expiresAt?: number, deleteHash?: Uint8Array } = {}): { digest: Uint8Array, manifest: SealedSummary, mailbox: Uint8Array, expiresAt: number, deleteHash: Uint8Array } =>
  ({ digest: s.digest, manifest: s, mailbox: new Uint8Array(32).fill(mailbox), expiresAt: extra.expiresAt ?? 0, deleteHash: extra.deleteHash ?? new Uint8Array(0) })

describe('relay blob store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const relays: Relay[] = []
  const clients: Client[] = []
  let now = Date.now()

  const relayWith = async (name: string, limits: RelayConfigInput['limits'] = {}): Promise<Relay> => {
    const relay = await startRelay({
      dataDir: join(dir.path, name),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      manyPeersPerAddress: true,
      metrics: { enabled: false },
      provide: { enabled: false },
      log: { level: 'silent' },
      limits: { blobMaxBytes: 32 * MiB, ...limits }
    }, { logger: silentLogger, now: () => now })
    relays.push(relay)
    return relay
  }
  const newClient = async (relay: Relay): Promise<Client> => {
    const c = await client()
    clients.push(c)
    await c.dial(relay.multiaddrs[0])
    return c
  }

  beforeAll(async () => { dir = await tempDir('parley-blobs-') })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (c) => c.stop()))
    await Promise.all(relays.splice(0).map(async (r) => r.stop()))
  })
  afterAll(async () => { await dir?.cleanup() })

  it('a 20 MiB file deposited for an offline recipient comes back byte-identical; no relay file holds plaintext', async () => {
    const relay = await relayWith('big')
    const sender = await newClient(relay)
    const sealer = new AttachmentSealer(nativeBackend)
    const pieces: Uint8Array[] = []
    for await (const p of sealer.seal(markedPlaintext(20 * MiB))) pieces.push(p.bytes)
    const s = sealer.summary
    const progress: number[] = []
    await sender.services.blobs.deposit(relay.peerId, deposit(s, 1), async (i) => pieces[i], { onProgress: (held) => progress.push(held) })
    expect(progress.at(-1)).toBe(pieces.length)
    expect(relay.blobStore.blobCount).toBe(1)
    expect(relay.blobStore.totalBytes).toBe(s.cipherLength)
    expect(relay.metrics.get('parley_relay_blob_deposits_total')).toBe(1)
    expect(relay.metrics.render()).toContain(`parley_relay_blob_bytes ${s.cipherLength}`)
    // the recipient, later, from another node
    const recipient = await newClient(relay)
    const hash = createHash('sha256')
    let bytes = 0
    for (const plain of await fetchAll(recipient, relay, s)) { hash.update(plain); bytes += plain.length }
    expect(bytes).toBe(20 * MiB)
    const expected = createHash('sha256')
    for await (const part of markedPlaintext(20 * MiB)) expected.update(part)
    expect(hash.digest('hex')).toBe(expected.digest('hex'))
    // marker scan over every file the relay wrote (blobs, mailboxes, key)
    const all = await files(join(dir.path, 'big'))
    expect(all.some((f) => f.endsWith('pieces'))).toBe(true)
    let scanned = 0
    for (const f of all) {
      expect(await contains(f, MARKER), f).toBe(false)
      scanned += (await stat(f)).size
    }
    expect(scanned).toBeGreaterThan(20 * MiB)
  })

  it('refuses a file over the largest-file cap, and a full mailbox quota, before any piece moves', async () => {
    const relay = await relayWith('caps', { blobMaxBytes: 4 * MiB, blobMailboxMaxBytes: 6 * MiB })
    const sender = await newClient(relay)
    const big = await sealInMemory(5 * MiB, 1)
    const asked: number[] = []
    await expect(sender.services.blobs.deposit(relay.peerId, deposit(big.summary, 1), async (i) => { asked.push(i); return big.pieces[i] }))
      .rejects.toMatchObject({ code: 'ERR_BLOB_TOO_LARGE' })
    expect(asked).toEqual([])
    const a = await sealInMemory(4 * MiB, 2)
    const b = await sealInMemory(4 * MiB, 3)
    await sender.services.blobs.deposit(relay.peerId, deposit(a.summary, 1), async (i) => a.pieces[i])
    await expect(sender.services.blobs.deposit(relay.peerId, deposit(b.summary, 1), async (i) => { asked.push(i); return b.pieces[i] }))
      .rejects.toMatchObject({ code: 'ERR_BLOB_QUOTA' })
    expect(asked).toEqual([])
    // another recipient's mailbox still has room
    await sender.services.blobs.deposit(relay.peerId, deposit(b.summary, 2), async (i) => b.pieces[i])
    expect(relay.metrics.get('parley_relay_blob_refusals_total', { code: 'ERR_BLOB_TOO_LARGE' })).toBe(1)
    expect(relay.metrics.get('parley_relay_blob_refusals_total', { code: 'ERR_BLOB_QUOTA' })).toBe(1)
  })

  it('an upload broken halfway resumes after a relay restart from the verified pieces it holds', async () => {
    let relay = await relayWith('resume')
    let sender = await newClient(relay)
    const blob = await sealInMemory(3 * MiB, 4)
    await expect(sender.services.blobs.deposit(relay.peerId, deposit(blob.summary, 1), async (i) => {
      if (i === 5) throw new Error('sender crashed')
      return blob.pieces[i]
    })).rejects.toThrow('sender crashed')
    await Promise.all(clients.splice(0).map(async (c) => c.stop()))
    await relay.stop()
    relays.length = 0
    relay = await relayWith('resume')
    sender = await newClient(relay)
    const asked: number[] = []
    await sender.services.blobs.deposit(relay.peerId, deposit(blob.summary, 1), async (i) => { asked.push(i); return blob.pieces[i] })
    expect(asked[0]).toBe(5)
    expect(asked.length).toBe(blob.pieces.length - 5)
    const out = await fetchAll(sender, relay, blob.summary)
    expect(out.reduce((n, p) => n + p.length, 0)).toBe(3 * MiB)
  })

  it('deletes with the delete token only; the sweep drops blobs whose deposit expired', async () => {
    const relay = await relayWith('delete')
    const sender = await newClient(relay)
    const token = new Uint8Array(32).fill(42)
    const deleteHash = new Uint8Array(createHash('sha256').update(token).digest())
    const a = await sealInMemory(600_000, 5)
    await sender.services.blobs.deposit(relay.peerId, deposit(a.summary, 1, { deleteHash }), async (i) => a.pieces[i])
    const blobDir = join(dir.path, 'delete', 'blobs', toHex(a.summary.digest).slice(0, 2), toHex(a.summary.digest))
    expect((await stat(blobDir)).isDirectory()).toBe(true)
    await expect(sender.services.blobs.delete(relay.peerId, a.summary.digest, new Uint8Array(32).fill(1))).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    await sender.services.blobs.delete(relay.peerId, a.summary.digest, token)
    await expect(stat(blobDir)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(sender.services.blobs.fetchManifest(relay.peerId, a.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    // expiry: the deposit's own, well inside the relay's retention
    const b = await sealInMemory(600_000, 6)
    await sender.services.blobs.deposit(relay.peerId, deposit(b.summary, 1, { expiresAt: now + 60_000 }), async (i) => b.pieces[i])
    expect((await relay.sweep()).expired).toBe(0)
    expect(relay.blobStore.blobCount).toBe(1)
    now += 61_000
    await relay.sweep()
    expect(relay.blobStore.blobCount).toBe(0)
    expect(relay.metrics.get('parley_relay_expired_blobs_total')).toBe(1)
    await expect(sender.services.blobs.fetchManifest(relay.peerId, b.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    expect(await files(join(dir.path, 'delete', 'blobs'))).toEqual([])
  })

  it('caps uploaded bytes per remote address: ERR_RATE_LIMITED mid-upload', async () => {
    const relay = await relayWith('rate', { addressLimitExempt: [], blobByteRatePerAddress: { perSecond: 1, burst: 600_000 } })
    const sender = await newClient(relay)
    const blob = await sealInMemory(2 * MiB, 7)
    await expect(sender.services.blobs.deposit(relay.peerId, deposit(blob.summary, 1), async (i) => blob.pieces[i]))
      .rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' })
  })
})
