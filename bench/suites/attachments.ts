/**
 * Attachments: a file (200 MiB by default, `PARLEY_BENCH_ATTACHMENT_MIB`) sealed into a device's
 * blob files, then fetched over `/parley/blob/1.0.0` between two libp2p nodes on TCP (every
 * piece verified and written to the receiver's blob files), next to a raw libp2p stream moving
 * the same bytes in the same run (ratio of the medians of alternating runs; target ≥ 0.5); the same deposited at an in-process
 * relay and fetched from it; and the process's peak RSS over each phase (sender and receiver
 * share the process: their sum, to compare with the file size).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { AttachmentSealer } from '../../src/crypto/attachment/seal.js'
import { type Blobs, blobs } from '../../src/net/blobs.js'
import { writeWithBackpressure } from '../../src/net/stream/frame-reader.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startRelay } from '../../src/relay/relay.js'
import type { SuiteContext } from '../harness/context.js'

const MIB = 1024 * 1024
const SIZE = Number(process.env.PARLEY_BENCH_ATTACHMENT_MIB ?? 200) * MIB
const RAW_PROTOCOL = '/parley-bench/raw/1.0.0'
/** Alternating runs of the raw stream and the blob fetch (`PARLEY_BENCH_ATTACHMENT_ROUNDS`). */
const ROUNDS = Number(process.env.PARLEY_BENCH_ATTACHMENT_ROUNDS ?? 3)

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

type Node = Libp2p<{ blobs: Blobs }>
const node = async (listen: string[], provider?: FileBlobs): Promise<Node> => createLibp2p({
  addresses: { listen }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
  services: { blobs: blobs(provider === undefined ? {} : { provider: provider.provider(), peerRate: { perSecond: 10_000, burst: 10_000 } }) }
})

/** Peak RSS while `fn` runs (sampled every 20 ms). */
async function peakRss<T> (fn: () => Promise<T>): Promise<{ value: T, peak: number }> {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
  try {
    const value = await fn()
    return { value, peak: Math.max(peak, process.memoryUsage().rss) }
  } finally {
    clearInterval(timer)
  }
}

async function * plaintext (size: number): AsyncGenerator<Uint8Array> {
  const part = new Uint8Array(MIB)
  for (let i = 0; i < part.length; i++) part[i] = (i * 7) % 251
  for (let offset = 0; offset < size; offset += MIB) yield part.subarray(0, Math.min(MIB, size - offset))
}

export async function run (ctx: SuiteContext): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-attachments-'))
  const sender = new FileBlobs(join(root, 'sender'))
  const receiver = new FileBlobs(join(root, 'receiver'))
  const a = await node(['/ip4/127.0.0.1/tcp/0'], sender)
  const b = await node([])
  try {
    const sealed = await ctx.step('seal', async () => {
      const sealer = new AttachmentSealer(nativeBackend)
      const writer = await sender.sealedWriter('0'.repeat(32))
      const t = performance.now()
      const { peak } = await peakRss(async () => {
        for await (const piece of sealer.seal(plaintext(SIZE))) await writer.write(piece.index, piece.bytes)
        await writer.complete(sealer.summary.digest, sealer.summary)
      })
      return { summary: sealer.summary, seconds: (performance.now() - t) / 1000, peak }
    }, { defaultMs: 600_000 })
    const { summary } = sealed
    ctx.record({ name: `seal ${SIZE / MIB} MiB to blob files`, value: SIZE / MIB / sealed.seconds, unit: 'MB/s' })

    // the raw reference: the same ciphertext bytes over one plain libp2p stream
    await a.handle(RAW_PROTOCOL, async (stream) => {
      const chunk = new Uint8Array(262_208)
      for (let sent = 0; sent < summary.cipherLength; sent += chunk.length) await writeWithBackpressure(stream, chunk.subarray(0, Math.min(chunk.length, summary.cipherLength - sent)))
      await stream.close()
    })
    await b.dial(a.getMultiaddrs()[0])
    const rawOnce = async (): Promise<number> => {
      const stream = await b.dialProtocol(a.getMultiaddrs()[0], RAW_PROTOCOL)
      const t = performance.now()
      let got = 0
      await new Promise<void>((resolve, reject) => {
        stream.addEventListener('message', (evt) => { got += evt.data.byteLength })
        stream.addEventListener('remoteCloseWrite', () => { resolve() })
        stream.addEventListener('close', (evt) => { if (evt.error != null) reject(evt.error); else resolve() })
      })
      if (got !== summary.cipherLength) throw new Error(`raw stream moved ${got} of ${summary.cipherLength} bytes`)
      return summary.cipherLength / MIB / ((performance.now() - t) / 1000)
    }
    let fetches = 0
    const directOnce = async (): Promise<{ rate: number, peak: number }> => {
      const t = performance.now()
      const { peak } = await peakRss(async () => {
        const manifest = await b.services.blobs.fetchManifest(a.peerId, summary.digest, summary.cipherLength)
        const messageId = (++fetches).toString(16).padStart(32, 'd')
        const writer = await receiver.writer(messageId, summary.digest, manifest)
        for await (const piece of b.services.blobs.fetchPieces(a.peerId, summary.digest, manifest, writer.have)) await writer.write(piece.index, piece.bytes)
        await writer.complete()
        await receiver.delete(messageId)
      })
      return { rate: summary.cipherLength / MIB / ((performance.now() - t) / 1000), peak }
    }
    // the raw stream and the blob fetch alternate, ROUNDS times each: on a noisy machine a
    // single run of each can land in different load; the medians are compared
    const rawRates: number[] = []
    const directRates: number[] = []
    let directPeak = 0
    for (let round = 0; round < ROUNDS; round++) {
      rawRates.push(await ctx.step(`raw stream, round ${round + 1}`, rawOnce, { defaultMs: 600_000 }))
      const direct = await ctx.step(`blob fetch direct, round ${round + 1}`, directOnce, { defaultMs: 600_000 })
      directRates.push(direct.rate)
      directPeak = Math.max(directPeak, direct.peak)
    }
    const raw = median(rawRates)
    const direct = { rate: median(directRates), peak: directPeak }
    ctx.record({ name: `blob fetch ${SIZE / MIB} MiB direct (TCP), vs raw libp2p stream (medians of ${ROUNDS} alternating runs)`, value: direct.rate, unit: 'MB/s', reference: raw })
    ctx.record({ name: `peak RSS, seal + fetch of ${SIZE / MIB} MiB (both sides, one process)`, value: Math.max(sealed.peak, direct.peak) / MIB, unit: 'MiB' })

    const relay = await startRelay({
      dataDir: join(root, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, provide: { enabled: false }, log: { level: 'silent' },
      limits: { blobMaxBytes: Math.max(SIZE, 100 * MIB) * 2 }
    }, { logger: silentLogger })
    try {
      await a.dial(relay.multiaddrs[0])
      await b.dial(relay.multiaddrs[0])
      const through = await ctx.step('blob through a relay', async () => {
        const t = performance.now()
        const { peak } = await peakRss(async () => {
          await a.services.blobs.deposit(relay.peerId, { digest: summary.digest, manifest: summary, mailbox: new Uint8Array(32).fill(1), expiresAt: 0, deleteHash: new Uint8Array(0) }, async (i) => (await sender.readPiece('0'.repeat(32), i)) ?? new Uint8Array(0))
          const manifest = await b.services.blobs.fetchManifest(relay.peerId, summary.digest, summary.cipherLength)
          const writer = await receiver.writer('2'.repeat(32), summary.digest, manifest)
          for await (const piece of b.services.blobs.fetchPieces(relay.peerId, summary.digest, manifest, writer.have)) await writer.write(piece.index, piece.bytes)
          await writer.complete()
        })
        return { rate: summary.cipherLength / MIB / ((performance.now() - t) / 1000), peak }
      }, { defaultMs: 900_000 })
      ctx.record({ name: `blob ${SIZE / MIB} MiB deposited at a relay and fetched back (end to end)`, value: through.rate, unit: 'MB/s', reference: raw / 2 })
      ctx.record({ name: `peak RSS, relay round trip of ${SIZE / MIB} MiB (sender, relay, receiver: one process)`, value: through.peak / MIB, unit: 'MiB' })
    } finally {
      await relay.stop()
    }
  } finally {
    await Promise.allSettled([a.stop(), b.stop()])
    rmSync(root, { recursive: true, force: true })
  }
}
