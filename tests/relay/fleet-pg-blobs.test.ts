/**
 * The attachments blob store of a fleet on PostgreSQL: two relays on one database (real
 * server, libp2p clients on 127.0.0.1): a blob accepted by one is served by the other, an upload
 * broken at one resumes at the other, the mailbox quota, the address shares and the caps count
 * both members' deposits, delete by token and expiry through either member.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { openAttachment } from '../../src/crypto/attachment/seal.js'
import type { SealedSummary } from '../../src/crypto/attachment/types.js'
import { type Blobs, blobs } from '../../src/net/blobs.js'
import { silentLogger } from '../../src/relay/logger.js'
import { PgBlobStore } from '../../src/relay/pg-store/blob-store.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { plaintext, sealInMemory } from '../helpers/blobs.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { freshDatabase } from '../helpers/storage-backends.js'
import { connectSql, startPostgres, type TestPostgres } from '../helpers/postgres.js'

type Client = Libp2p<{ blobs: Blobs }>
const MiB = 1024 * 1024

const deposit = (s: SealedSummary, mailbox: number, extra: { expiresAt?: number, deleteHash?: Uint8Array } = {}): { digest: Uint8Array, manifest: SealedSummary, mailbox: Uint8Array, expiresAt: number, deleteHash: Uint8Array } =>
  ({ digest: s.digest, manifest: s, mailbox: new Uint8Array(32).fill(mailbox), expiresAt: extra.expiresAt ?? 0, deleteHash: extra.deleteHash ?? new Uint8Array(0) })

async function fetchAll (from: Client, relay: Relay, s: SealedSummary): Promise<Uint8Array[]> {
  const manifest = await from.services.blobs.fetchManifest(relay.peerId, s.digest, 1 << 30)
  const out: Uint8Array[] = []
  for await (const plain of openAttachment(nativeBackend, { key: s.key, size: s.size, sha256: s.sha256, manifest }, (async function * () {
    for await (const p of from.services.blobs.fetchPieces(relay.peerId, s.digest, manifest, 0)) yield p.bytes
  })())) out.push(plain)
  return out
}

const sha256 = (parts: Uint8Array[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

describe('relay fleet: blobs on PostgreSQL', () => {
  let pg: TestPostgres
  let dir: Awaited<ReturnType<typeof tempDir>>
  const stops: Array<() => Promise<void>> = []
  let now = Date.now()

  /** Two members on one fresh database, and a client connected to both. */
  async function fleet (limits: RelayConfigInput['limits'] = {}): Promise<{ a: Relay, b: Relay, client: Client, url: string }> {
    const url = await freshDatabase(pg)
    const members: Relay[] = []
    for (const name of ['a', 'b']) {
      const relay = await startRelay({
        dataDir: join(dir.path, `${url.split('/').pop() ?? ''}-${name}`),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        manyPeersPerAddress: true,
        metrics: { enabled: false },
        provide: { enabled: false },
        log: { level: 'silent' },
        store: { postgres: url },
        limits: { addressLimitExempt: [], blobMaxBytes: 32 * MiB, ...limits }
      }, { logger: silentLogger, now: () => now })
      stops.push(async () => { await relay.stop() })
      members.push(relay)
    }
    const client: Client = await createLibp2p({ addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { blobs: blobs() } })
    stops.unshift(async () => { await client.stop() })
    for (const m of members) await client.dial(m.multiaddrs[0])
    return { a: members[0], b: members[1], client, url }
  }

  beforeAll(async () => {
    pg = await startPostgres()
    dir = await tempDir('parley-fleet-blobs-')
  })
  afterAll(async () => {
    for (const stop of stops) await stop()
    await pg?.destroy()
    await dir?.cleanup()
  })

  it('a blob accepted by one member is served whole by the other; its pieces are rows of ciphertext', async () => {
    const { a, b, client, url } = await fleet()
    expect(a.blobStore).toBeInstanceOf(PgBlobStore)
    const blob = await sealInMemory(3 * MiB, 11)
    await client.services.blobs.deposit(a.peerId, deposit(blob.summary, 1), async (i) => blob.pieces[i])
    expect(a.blobStore.blobCount).toBe(1)
    expect(a.blobStore.totalBytes).toBe(blob.summary.cipherLength)
    const back = await fetchAll(client, b, blob.summary)
    const expected: Uint8Array[] = []
    for await (const part of plaintext(3 * MiB, 11)) expected.push(part)
    expect(sha256(back)).toBe(sha256(expected))
    // nothing in the member's data directory: the database holds the blob
    const sql = await connectSql(url)
    try {
      const [row] = await sql<Array<{ n: number, bytes: string }>>`SELECT count(*)::int AS n, sum(length(body))::text AS bytes FROM blob_pieces`
      expect(row).toEqual({ n: blob.pieces.length, bytes: String(blob.summary.cipherLength) })
    } finally {
      await sql.end()
    }
  })

  it('an upload broken at one member resumes at the other from the pieces it holds', async () => {
    const { a, b, client, url } = await fleet()
    const blob = await sealInMemory(3 * MiB, 12)
    await expect(client.services.blobs.deposit(a.peerId, deposit(blob.summary, 1), async (i) => {
      if (i === 5) throw new Error('sender crashed')
      return blob.pieces[i]
    })).rejects.toThrow('sender crashed')
    // not served while incomplete, by either member
    await expect(client.services.blobs.fetchManifest(b.peerId, blob.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    // member a lets go of the fleet's upload lease once it has seen the stream end (asynchronously: on a
    // loaded machine the resume below could otherwise arrive first and be refused as a second upload)
    const sql = await connectSql(url)
    try {
      await waitFor(async () => (await sql<Array<{ leased: boolean }>>`SELECT upload_until IS NOT NULL AS leased FROM blobs`).every((r) => !r.leased), 30_000, "member a's lease released")
    } finally {
      await sql.end()
    }
    const asked: number[] = []
    await client.services.blobs.deposit(b.peerId, deposit(blob.summary, 1), async (i) => { asked.push(i); return blob.pieces[i] })
    expect(asked[0]).toBe(5)
    expect(asked.length).toBe(blob.pieces.length - 5)
    expect((await fetchAll(client, a, blob.summary)).reduce((n, p) => n + p.length, 0)).toBe(3 * MiB)
  })

  it('one upload of a blob at a time in the whole fleet: a second one at the other member is refused while the first runs', async () => {
    const { a, b, client } = await fleet()
    const blob = await sealInMemory(2 * MiB, 18)
    const { promise: stalled, resolve: stall } = Promise.withResolvers<void>()
    const { promise: go, resolve: release } = Promise.withResolvers<void>()
    const first = client.services.blobs.deposit(a.peerId, deposit(blob.summary, 1), async (i) => {
      if (i === 3) { stall(); await go }
      return blob.pieces[i]
    })
    await stalled
    await expect(client.services.blobs.deposit(b.peerId, deposit(blob.summary, 2), async (i) => blob.pieces[i])).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REQUESTS' })
    release()
    await first
    // once whole, the second recipient's deposit is a reference: no piece moves again
    const asked: number[] = []
    await client.services.blobs.deposit(b.peerId, deposit(blob.summary, 2), async (i) => { asked.push(i); return blob.pieces[i] })
    expect(asked).toEqual([])
    expect((await fetchAll(client, b, blob.summary)).reduce((n, p) => n + p.length, 0)).toBe(2 * MiB)
  })

  it('quotas count both members\' deposits: the recipient\'s bytes, the address\'s blobs, the blob count', async () => {
    const { a, b, client } = await fleet({ blobMailboxMaxBytes: 6 * MiB, blobsPerAddress: 3, blobMaxBlobs: 100 })
    const first = await sealInMemory(4 * MiB, 13)
    const second = await sealInMemory(4 * MiB, 14)
    await client.services.blobs.deposit(a.peerId, deposit(first.summary, 1), async (i) => first.pieces[i])
    const asked: number[] = []
    await expect(client.services.blobs.deposit(b.peerId, deposit(second.summary, 1), async (i) => { asked.push(i); return second.pieces[i] }))
      .rejects.toMatchObject({ code: 'ERR_BLOB_QUOTA' })
    expect(asked).toEqual([])
    // the address has deposited one blob; two more through b, and a fourth through a is refused
    const small = await Promise.all([15, 16, 17].map(async (seed) => await sealInMemory(100_000, seed)))
    await client.services.blobs.deposit(b.peerId, deposit(small[0].summary, 2), async (i) => small[0].pieces[i])
    await client.services.blobs.deposit(b.peerId, deposit(small[1].summary, 3), async (i) => small[1].pieces[i])
    await expect(client.services.blobs.deposit(a.peerId, deposit(small[2].summary, 4), async (i) => small[2].pieces[i])).rejects.toMatchObject({ code: 'ERR_BLOB_QUOTA' })
  })

  it('the fleet\'s blob count cap holds whichever member is asked', async () => {
    const { a, b, client } = await fleet({ blobMaxBlobs: 2 })
    const blobsIn = await Promise.all([21, 22, 23].map(async (seed) => await sealInMemory(50_000, seed)))
    await client.services.blobs.deposit(a.peerId, deposit(blobsIn[0].summary, 1), async (i) => blobsIn[0].pieces[i])
    await client.services.blobs.deposit(b.peerId, deposit(blobsIn[1].summary, 2), async (i) => blobsIn[1].pieces[i])
    await expect(client.services.blobs.deposit(a.peerId, deposit(blobsIn[2].summary, 3), async (i) => blobsIn[2].pieces[i])).rejects.toMatchObject({ code: 'ERR_BLOB_QUOTA' })
    // a second recipient of a blob already held takes no new blob slot
    await client.services.blobs.deposit(b.peerId, deposit(blobsIn[0].summary, 9), async (i) => blobsIn[0].pieces[i])
  })

  it('delete by token through one member, expiry swept by the other: gone for the fleet, quotas released', async () => {
    const { a, b, client, url } = await fleet({ blobsPerAddress: 1 })
    const token = new Uint8Array(32).fill(42)
    const deleteHash = new Uint8Array(createHash('sha256').update(token).digest())
    const one = await sealInMemory(600_000, 31)
    await client.services.blobs.deposit(a.peerId, deposit(one.summary, 1, { deleteHash }), async (i) => one.pieces[i])
    await expect(client.services.blobs.delete(b.peerId, one.summary.digest, new Uint8Array(32).fill(1))).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    await client.services.blobs.delete(b.peerId, one.summary.digest, token)
    await expect(client.services.blobs.fetchManifest(a.peerId, one.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    // the address's one-blob share was released by the delete: a new deposit is taken
    const two = await sealInMemory(600_000, 32)
    await client.services.blobs.deposit(b.peerId, deposit(two.summary, 1, { expiresAt: now + 60_000 }), async (i) => two.pieces[i])
    expect((await a.sweep()).expired).toBe(0)
    await fetchAll(client, a, two.summary)
    now += 61_000
    await a.sweep()
    await expect(client.services.blobs.fetchManifest(b.peerId, two.summary.digest, 1 << 30)).rejects.toMatchObject({ code: 'ERR_BLOB_NOT_FOUND' })
    const sql = await connectSql(url)
    try {
      const [left] = await sql<Array<{ blobs: number, pieces: number, totals: string, shares: string }>>`
        SELECT (SELECT count(*)::int FROM blobs) AS blobs, (SELECT count(*)::int FROM blob_pieces) AS pieces,
          (SELECT blobs || ':' || bytes FROM blob_totals) AS totals, (SELECT coalesce(sum(bytes), 0) || ':' || coalesce(sum(blobs), 0) FROM blob_shares) AS shares`
      expect(left).toEqual({ blobs: 0, pieces: 0, totals: '0:0', shares: '0:0' })
    } finally {
      await sql.end()
    }
  })
})
