/**
 * Foundation suite: DHT account-record lookup latency in a 30-node loopback network, and
 * envelope throughput over /parley/msg/1.0.0 next to a raw libp2p stream carrying the same
 * length-prefixed bytes in the same process.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ENVELOPE_VERSION, Envelope } from '../../src/net/envelope-codec.js'
import { encodeFrame, FrameReader, writeWithBackpressure } from '../../src/net/stream/frame-reader.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { startNetwork, startTestNode, tempDir } from '../../tests/helpers/network.js'
import { percentile, record } from '../results.js'

const SUITE = 'node'

async function dhtLookups (): Promise<void> {
  const net = await startNetwork(30, { minTable: 5 })
  try {
    // every node publishes once the routing tables are full
    for (const node of net.nodes) {
      for (let attempt = 0; attempt < 3; attempt++) {
        try { await node.publishAccountRecord({ signal: AbortSignal.timeout(30_000) }); break } catch { /* retry */ }
      }
    }
    const samples: number[] = []
    let failures = 0
    for (let i = 0; i < 60; i++) {
      const reader = net.nodes[(i * 7) % 30]
      const target = net.nodes[(i * 11 + 3) % 30]
      if (reader === target) continue
      const start = performance.now()
      try {
        await reader.lookupAccount(target.address, { fresh: true, signal: AbortSignal.timeout(30_000) })
        samples.push(performance.now() - start)
      } catch {
        failures++
      }
    }
    record({ suite: SUITE, name: 'DHT account lookups failed (of ' + (samples.length + failures) + ')', value: failures, unit: 'count' })
    record({ suite: SUITE, name: 'DHT account lookup p50 (30 nodes)', value: percentile(samples, 50), unit: 'ms' })
    record({ suite: SUITE, name: 'DHT account lookup p95 (30 nodes)', value: percentile(samples, 95), unit: 'ms' })
  } finally {
    await net.stop()
  }
}

const RAW_PROTOCOL = '/parley-bench/raw/1.0.0'

/** Raw reference: the same length-prefixed frames, one `send` each (or `perSend` frames per send). */
async function rawThroughput (sender: ParleyNode, receiver: ParleyNode, frames: Uint8Array[], perSend = 1): Promise<number> {
  let received = 0
  let done!: () => void
  const finished = new Promise<void>((resolve) => { done = resolve })
  await receiver.libp2p.handle(RAW_PROTOCOL, async (stream) => {
    const reader = new FrameReader(stream, { maxFrameBytes: 1 << 20, maxQueuedFrames: 1 << 30 })
    try {
      while (await reader.next() != null) {
        if (++received === frames.length) done()
      }
    } catch { /* the sender reset the stream after the run */ }
  }, { force: true })
  const stream = await sender.libp2p.dialProtocol(receiver.peerId, RAW_PROTOCOL)
  const start = performance.now()
  for (let i = 0; i < frames.length; i += perSend) {
    const chunk = frames.slice(i, i + perSend).map(encodeFrame)
    const bytes = new Uint8Array(chunk.reduce((n, c) => n + c.length, 0))
    let offset = 0
    for (const c of chunk) { bytes.set(c, offset); offset += c.length }
    await writeWithBackpressure(stream, bytes)
  }
  await finished
  const seconds = (performance.now() - start) / 1000
  await stream.close()
  return frames.length / seconds
}

async function envelopeThroughput (sender: ParleyNode, receiver: ParleyNode, envelopes: Envelope[]): Promise<number> {
  const device = receiver.deviceEntry()
  const start = performance.now()
  await Promise.all(envelopes.map(async (e) => sender.sendEnvelope(device, { payload: e.payload, id: e.id }, { signal: AbortSignal.timeout(120_000) })))
  return envelopes.length / ((performance.now() - start) / 1000)
}

async function throughput (): Promise<void> {
  const dir = await tempDir('parley-bench-')
  const receiver = await startTestNode(join(dir.path, 'r'))
  const sender = await startTestNode(join(dir.path, 's'), { bootstrap: [receiver.multiaddrs[0].toString()] })
  receiver.addEventListener('protocol-error', (evt) => { console.error(`# receiver refused a stream: ${evt.detail.code} ${evt.detail.message}`) })
  try {
    const count = 20_000
    const envelopes: Envelope[] = Array.from({ length: count }, () => ({
      version: ENVELOPE_VERSION, id: randomBytes(16), recipientDevice: receiver.deviceKey,
      payload: randomBytes(1024), createdAt: BigInt(Date.now()), expiresAt: 0n, flags: 0
    }))
    const frames = envelopes.map((e) => Envelope.encode(e))
    const bytesPerMessage = frames[0].length
    // warm-up both paths, then alternate runs and keep the best of three of each
    await rawThroughput(sender, receiver, frames.slice(0, 2000))
    await envelopeThroughput(sender, receiver, envelopes.slice(0, 2000).map((e) => ({ ...e, id: randomBytes(16) })))
    let raw = 0
    let rawBatched = 0
    let ours = 0
    for (let round = 0; round < 3; round++) {
      try {
        raw = Math.max(raw, await rawThroughput(sender, receiver, frames))
        rawBatched = Math.max(rawBatched, await rawThroughput(sender, receiver, frames, 64))
        ours = Math.max(ours, await envelopeThroughput(sender, receiver, envelopes.map((e) => ({ ...e, id: randomBytes(16) }))))
      } catch (err) {
        console.error(`# round ${round} failed (machine overloaded?): ${(err as Error).message}`)
      }
    }
    record({ suite: SUITE, name: 'envelopes 1 KiB acked, one connection vs raw stream (1 frame/send)', value: ours, unit: 'msg/s', reference: raw })
    record({ suite: SUITE, name: 'envelopes 1 KiB acked, one connection vs raw stream (1 frame/send)', value: ours * bytesPerMessage / 1e6, unit: 'MB/s', reference: raw * bytesPerMessage / 1e6 })
    record({ suite: SUITE, name: 'envelopes 1 KiB acked vs raw stream (64 frames/send)', value: ours, unit: 'msg/s', reference: rawBatched })
  } finally {
    await sender.stop()
    await receiver.stop()
    await dir.cleanup()
  }
}

export async function run (): Promise<void> {
  await throughput()
  await dhtLookups()
}
