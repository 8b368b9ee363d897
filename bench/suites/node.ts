/**
 * Foundation suite: DHT account-record lookup latency in a 30-node loopback network, and
 * envelope throughput over /parley/msg/1.0.0 next to a raw libp2p stream carrying the same
 * length-prefixed bytes in the same process.
 *
 * Every wait is bounded by its step's signal. The raw reference used to wait for its last frame
 * without a deadline, and its handler swallowed stream errors: when libp2p's connection monitor
 * aborted the connection (it opens a ping stream per connection every 10 s without waiting for
 * the previous one; on a loaded machine a ping outlasts 10 s, the second one exceeds
 * @libp2p/ping's one outbound stream, "Too many outbound protocol streams for protocol
 * /ipfs/ping/1.0.0 - 2/1", and the monitor aborts the connection) the wait never ended. Now the
 * handler's failure fails the run at once, and each run closes its stream at both ends instead
 * of leaving one half-open stream per run on the connection.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { accountDhtKey } from '../../src/identity/account-record.js'
import { ENVELOPE_VERSION, Envelope } from '../../src/net/envelope-codec.js'
import { encodeFrame, FrameReader, writeWithBackpressure } from '../../src/net/stream/frame-reader.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { startNetwork, startTestNode, tempDir } from '../../tests/helpers/network.js'
import type { Outcome, SuiteContext } from '../harness/context.js'
import { raceSignal } from '../harness/deadline.js'
import { percentile } from '../results.js'

/** Named step defaults (ms; PARLEY_BENCH_DEADLINE_SCALE multiplies them). */
const NETWORK_STEP_MS = 3 * 60_000
/** 30 publishes of up to 3 × 30 s each would be 45 min: the step bounds them all. */
const PUBLISH_STEP_MS = 5 * 60_000
const LOOKUPS_STEP_MS = 10 * 60_000
/** One measured run of 20,000 envelopes on one path. */
const THROUGHPUT_RUN_MS = 2 * 60_000
const NODES_STEP_MS = 60_000
const LOOKUP_MS = 30_000

const LOOKUP_FIGURES = [
  { name: 'DHT account lookup p50 (30 nodes)', unit: 'ms' },
  { name: 'DHT account lookup p95 (30 nodes)', unit: 'ms' }
]
const FIRST_MESSAGE_FIGURES = [
  { name: 'first message to a new contact p50 (30 nodes)', unit: 'ms' },
  { name: 'first message to a new contact p95 (30 nodes)', unit: 'ms' }
]
/** The same lookups through kad-dht's own get (waits for the whole query), interleaved with the directory's: the before of the quorum lookup, in the same run. */
const WHOLE_QUERY_FIGURES = [
  { name: 'DHT account lookup p50 (30 nodes), whole kad-dht query (reference)', unit: 'ms' },
  { name: 'DHT account lookup p95 (30 nodes), whole kad-dht query (reference)', unit: 'ms' }
]

async function dhtLookups (ctx: SuiteContext): Promise<void> {
  const failedFigures = { figures: [{ name: 'DHT account lookups failed', unit: 'count' }, ...LOOKUP_FIGURES] }
  const net = await ctx.step('DHT network of 30 nodes', async () => startNetwork(30, { minTable: 5 }), { defaultMs: NETWORK_STEP_MS, ...failedFigures })
  try {
    // every node publishes once the routing tables are full
    await ctx.step('DHT publish (30 nodes)', async (signal) => {
      for (const node of net.nodes) {
        for (let attempt = 0; attempt < 3; attempt++) {
          signal.throwIfAborted()
          try { await node.publishAccountRecord({ signal: AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_MS)]) }); break } catch (err) {
            if (signal.aborted) throw err
            console.error(`# node ${net.nodes.indexOf(node)} publish attempt ${attempt + 1} failed: ${(err as Error).message}`)
          }
        }
      }
    }, { defaultMs: PUBLISH_STEP_MS, ...failedFigures })
    const { samples, failures, whole } = await ctx.step('DHT account lookups (30 nodes)', async (signal) => {
      const samples: number[] = []
      const whole: number[] = []
      let failures = 0
      for (let i = 0; i < 60; i++) {
        const reader = net.nodes[(i * 7) % 30]
        const target = net.nodes[(i * 11 + 3) % 30]
        if (reader === target) continue
        // the reference first on even runs, second on odd ones: neither always meets a warmer network
        const reference = async (): Promise<void> => {
          const start = performance.now()
          try {
            await reader.libp2p.contentRouting.get(accountDhtKey(target.accountKey), { signal: AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_MS)]) })
            whole.push(performance.now() - start)
          } catch (err) {
            if (signal.aborted) throw err
          }
        }
        if (i % 2 === 0) await reference()
        const start = performance.now()
        try {
          await reader.lookupAccount(target.address, { fresh: true, signal: AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_MS)]) })
          samples.push(performance.now() - start)
        } catch (err) {
          if (signal.aborted) throw err
          failures++
        }
        if (i % 2 === 1) await reference()
      }
      return { samples, failures, whole }
    }, { defaultMs: LOOKUPS_STEP_MS, ...failedFigures })
    ctx.record({ name: 'DHT account lookups failed (of ' + (samples.length + failures) + ')', value: failures, unit: 'count' })
    for (const [i, p] of [50, 95].entries()) ctx.record({ ...LOOKUP_FIGURES[i], value: percentile(samples, p) })
    for (const [i, p] of [50, 95].entries()) ctx.record({ ...WHOLE_QUERY_FIGURES[i], value: percentile(whole, p) })
    // a first envelope to an account this node has never reached: no cached record, no
    // connection, no known address — record lookup, peer routing, dial, send and ack
    const firsts = await ctx.step('first message to a new contact (30 nodes)', async (signal) => {
      const times: number[] = []
      for (let i = 0; i < 20; i++) {
        const sender = net.nodes[(i * 13 + 5) % 30]
        const target = net.nodes[(i * 17 + 2) % 30]
        if (sender === target) continue
        sender.directory.invalidate(target.accountKey)
        await sender.libp2p.hangUp(target.peerId, { signal })
        await sender.libp2p.peerStore.delete(target.peerId)
        const start = performance.now()
        const results = await sender.sendToAccount(target.address, { payload: randomBytes(256) }, { signal: AbortSignal.any([signal, AbortSignal.timeout(LOOKUP_MS)]) })
        const failed = results.find((r) => !r.ok)
        if (failed != null && !failed.ok) throw failed.error
        times.push(performance.now() - start)
      }
      return times
    }, { defaultMs: LOOKUPS_STEP_MS, figures: FIRST_MESSAGE_FIGURES })
    for (const [i, p] of [50, 95].entries()) ctx.record({ ...FIRST_MESSAGE_FIGURES[i], value: percentile(firsts, p) })
  } finally {
    await ctx.step('DHT network stopped', async () => { await net.stop() }, { defaultMs: NODES_STEP_MS }).catch(ctx.keepGoing)
  }
}

export const RAW_PROTOCOL = '/parley-bench/raw/1.0.0'

/**
 * Raw reference: the same length-prefixed frames, one `send` each (or `perSend` frames per send).
 * Fails as soon as either end's stream fails (the connection aborted) or `signal` aborts; closes
 * the stream at both ends when done.
 */
export async function rawThroughput (sender: ParleyNode, receiver: ParleyNode, frames: Uint8Array[], signal: AbortSignal, perSend = 1): Promise<number> {
  let received = 0
  const finished = Promise.withResolvers<void>()
  // awaited below through raceSignal; an early rejection must not count as unhandled meanwhile
  finished.promise.catch(() => {})
  await receiver.libp2p.handle(RAW_PROTOCOL, async (stream) => {
    const reader = new FrameReader(stream, { maxFrameBytes: 1 << 20, maxQueuedFrames: 1 << 30 })
    try {
      while (await reader.next({ signal }) != null) {
        if (++received === frames.length) finished.resolve()
      }
      if (received < frames.length) throw new Error(`raw stream ended after ${received} of ${frames.length} frames`)
      await stream.close({ signal })
    } catch (err) {
      finished.reject(err)
      stream.abort(err as Error)
    }
  }, { force: true })
  const stream = await sender.libp2p.dialProtocol(receiver.peerId, RAW_PROTOCOL, { signal })
  // our end failing (the connection aborted, the receiver reset the stream) ends the wait too
  stream.addEventListener('close', (evt) => { if (evt.error != null) finished.reject(evt.error) }, { once: true })
  try {
    const start = performance.now()
    for (let i = 0; i < frames.length; i += perSend) {
      const chunk = frames.slice(i, i + perSend).map(encodeFrame)
      const bytes = new Uint8Array(chunk.reduce((n, c) => n + c.length, 0))
      let offset = 0
      for (const c of chunk) { bytes.set(c, offset); offset += c.length }
      await writeWithBackpressure(stream, bytes, { signal })
    }
    await raceSignal(finished.promise, signal)
    const seconds = (performance.now() - start) / 1000
    // closed at both ends: the receiver closes its end once ours has closed
    const closed = once(stream, 'close', { signal })
    await stream.close({ signal })
    if (stream.status !== 'closed') await closed
    return frames.length / seconds
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

async function envelopeThroughput (sender: ParleyNode, receiver: ParleyNode, envelopes: Envelope[], signal: AbortSignal): Promise<number> {
  const device = receiver.deviceEntry()
  const start = performance.now()
  await Promise.all(envelopes.map(async (e) => sender.sendEnvelope(device, { payload: e.payload, id: e.id }, { signal })))
  return envelopes.length / ((performance.now() - start) / 1000)
}

/** The best of several runs, and why the last failed one failed. */
class Best {
  value = 0
  error: unknown = 'no run finished'
  add (outcome: Outcome<number>): void {
    if (outcome.ok) this.value = Math.max(this.value, outcome.value)
    else this.error = outcome.error
  }
}

const ONE_FRAME = 'envelopes 1 KiB acked, one connection vs raw stream (1 frame/send)'
const BATCHED = 'envelopes 1 KiB acked vs raw stream (64 frames/send)'

async function throughput (ctx: SuiteContext): Promise<void> {
  const figures = { figures: [{ name: ONE_FRAME, unit: 'msg/s' }, { name: ONE_FRAME, unit: 'MB/s' }, { name: BATCHED, unit: 'msg/s' }] }
  const dir = await tempDir('parley-bench-')
  let receiver: ParleyNode | undefined
  let sender: ParleyNode | undefined
  try {
    const nodes = await ctx.step('throughput: sender and receiver nodes', async () => {
      receiver = await startTestNode(join(dir.path, 'r'))
      sender = await startTestNode(join(dir.path, 's'), { bootstrap: [receiver.multiaddrs[0].toString()] })
      return { receiver, sender }
    }, { defaultMs: NODES_STEP_MS, ...figures })
    const r = nodes.receiver
    const s = nodes.sender
    r.addEventListener('protocol-error', (evt) => { console.error(`# receiver refused a stream: ${evt.detail.code} ${evt.detail.message}`) })
    const count = 20_000
    const envelopes: Envelope[] = Array.from({ length: count }, () => ({
      version: ENVELOPE_VERSION, id: randomBytes(16), recipientDevice: r.deviceKey,
      payload: randomBytes(1024), createdAt: BigInt(Date.now()), expiresAt: 0n, flags: 0
    }))
    const frames = envelopes.map((e) => Envelope.encode(e))
    const bytesPerMessage = frames[0].length
    const fresh = (list: Envelope[]): Envelope[] => list.map((e) => ({ ...e, id: randomBytes(16) }))
    const run = { defaultMs: THROUGHPUT_RUN_MS }
    // warm-up both paths, then alternate runs and keep the best of three of each
    await ctx.step('throughput warm-up', async (signal) => {
      await rawThroughput(s, r, frames.slice(0, 2000), signal)
      await envelopeThroughput(s, r, fresh(envelopes.slice(0, 2000)), signal)
    }, { ...run, ...figures })
    const raw = new Best()
    const rawBatched = new Best()
    const ours = new Best()
    for (let round = 0; round < 3; round++) {
      raw.add(await ctx.attempt(`raw stream, 1 frame/send, round ${round + 1}`, async (signal) => rawThroughput(s, r, frames, signal), run))
      rawBatched.add(await ctx.attempt(`raw stream, 64 frames/send, round ${round + 1}`, async (signal) => rawThroughput(s, r, frames, signal, 64), run))
      ours.add(await ctx.attempt(`envelopes, round ${round + 1}`, async (signal) => envelopeThroughput(s, r, fresh(envelopes), signal), run))
    }
    const figure = (name: string, unit: string, value: Best, reference: Best, scale = 1): void => {
      if (value.value === 0) { ctx.fail(name, value.error, unit); return }
      if (reference.value === 0) ctx.fail(`${name}: reference`, reference.error, unit)
      ctx.record({ name, value: value.value * scale, unit, reference: reference.value === 0 ? undefined : reference.value * scale })
    }
    figure(ONE_FRAME, 'msg/s', ours, raw)
    figure(ONE_FRAME, 'MB/s', ours, raw, bytesPerMessage / 1e6)
    figure(BATCHED, 'msg/s', ours, rawBatched)
  } finally {
    await ctx.step('throughput nodes stopped', async () => {
      await sender?.stop()
      await receiver?.stop()
      await dir.cleanup()
    }, { defaultMs: NODES_STEP_MS }).catch(ctx.keepGoing)
  }
}

export async function run (ctx: SuiteContext): Promise<void> {
  // independent parts: a failed one leaves the other's figures. PARLEY_BENCH_NODE_PARTS
  // (comma-separated: throughput, dht) runs only some of them.
  const parts = (process.env.PARLEY_BENCH_NODE_PARTS ?? 'throughput,dht').split(',').map((p) => p.trim())
  if (parts.includes('throughput')) await throughput(ctx).catch(ctx.keepGoing)
  if (parts.includes('dht')) await dhtLookups(ctx)
}
