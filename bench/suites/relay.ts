/**
 * Relay mailbox throughput against one relay **process** (`parley relay`, its own process) from
 * 50 libp2p clients in this process (TCP on 127.0.0.1, noise + yamux), next to a reference in
 * the same run: the same clients doing raw libp2p request/ack at the same size against a plain
 * node in its own process (bench/helpers/ack-server.ts). Then deposits/s and fetch+ack/s for
 * 1 KiB envelopes with each side's CPU per envelope, the relay's RSS (anonymous and
 * file-mapped, peaks per phase) and disk with 1M envelopes held (PARLEY_BENCH_RELAY_HELD
 * overrides the count), the time from a mailbox owner coming online to its 1,000 queued
 * envelopes fetched and acked (with the relay that full), and a restart on the full database.
 * Extra node flags for the relay: PARLEY_BENCH_RELAY_NODE_FLAGS. The two cores are shared.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { createLibp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ACCOUNT_RECORD_VERSION, signAccountRecord, signDeviceEntry } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519 } from '../../src/identity/keys.js'
import type { Envelope } from '../../src/net/envelope-codec.js'
import { MailboxClient, type MailboxOwnerCredentials } from '../../src/net/mailbox-client.js'
import { MailboxRequest } from '../../src/net/mailbox-codec.js'
import { Envelope as EnvelopeCodec } from '../../src/wire/parley.js'
import { FrameReader, encodeFrame } from '../../src/net/stream/frame-reader.js'
import { CoalescingFrameWriter } from '../../src/net/stream/frame-writer.js'
import type { SuiteContext } from '../harness/context.js'
import { raceSignal } from '../harness/deadline.js'
import { stopChild, track } from '../harness/children.js'
import { record } from '../results.js'
import { runFleet } from '../helpers/relay-fleet.js'

const SUITE = 'relay'
const CLIENTS = 50
const PER_CLIENT = 400
const IN_FLIGHT = 16
const QUEUED = 1000
const HELD = Number(process.env.PARLEY_BENCH_RELAY_HELD ?? 1_000_000)
const HELD_MAILBOXES = 1000
const BIN = new URL('../../bin/parley.js', import.meta.url).pathname
/**
 * Under `npm run bench` (whose prebench step builds dist/) the relay runs the compiled JavaScript,
 * as an installed package does; run directly (`npx tsx bench/run.ts relay`) it runs the sources
 * through tsx, which costs ~7 MiB more resident memory. PARLEY_BENCH_RELAY_DIST=1 forces dist/.
 */
const RELAY_FROM_DIST = process.env.npm_lifecycle_event === 'bench' || process.env.PARLEY_BENCH_RELAY_DIST === '1'

export function owner (): MailboxOwnerCredentials {
  const account = generateAccountKeys().account
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, {
    peerId: peerIdBytesFromEd25519(randomBytes(32)), deviceKey: device.device.publicKey, identityDhKey: device.identityDh.publicKey, addedAt: 0n
  }, device.device)
  const now = Date.now()
  const accountRecord = signAccountRecord({
    version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: BigInt(now), issuedAt: BigInt(now),
    expiresAt: BigInt(now + 86_400_000), inactivityDays: 30, devices: [entry], relays: [], deleted: false, removedDevices: []
  }, account)
  return { device: device.device, accountRecord }
}

/**
 * Envelope bodies are opaque to the relay (sealed sender): the clients reuse 64 random 1 KiB
 * payloads under fresh random ids (drawn in bulk), so that the clients' process (which shares the
 * two cores with the relay) does not spend a tenth of its time generating random bytes.
 */
const PAYLOADS = Array.from({ length: 64 }, () => randomBytes(1024))
let payloadIndex = 0

/** Random envelope ids drawn 4,096 at a time (one call into the system's RNG each, not one per id). */
let idPool = new Uint8Array(0)
let idOffset = 0
function randomId (): Uint8Array {
  if (idOffset === idPool.length) { idPool = randomBytes(16 * 4096); idOffset = 0 }
  idOffset += 16
  return idPool.subarray(idOffset - 16, idOffset)
}

export function envelope (recipient: Uint8Array): Envelope {
  const payload = PAYLOADS[payloadIndex++ % PAYLOADS.length]
  return { version: 1, id: randomId(), recipientDevice: recipient, payload, createdAt: BigInt(Date.now()), expiresAt: 0n, flags: 0 }
}

export async function client (): Promise<Libp2p> {
  return createLibp2p({ addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
}

async function dirBytes (path: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name)
    // LevelDB may delete a table it just compacted between readdir and stat
    total += entry.isDirectory() ? await dirBytes(p) : (await stat(p).catch(() => ({ size: 0 }))).size
  }
  return total
}

/** Runs `count` tasks with at most `limit` in flight. */
export async function pool (count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++)
  }))
}

/** Starts a child process that prints its multiaddr on stdout; resolves with it. */
async function startPrinting (args: string[], signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess, addr: string }> {
  // tracked: the runner stops it if this suite fails or the run is interrupted
  // stdin is a pipe that closes when this process ends, however it ends: the ack server stops then
  const child = track(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env }))
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const next = async (): Promise<IteratorResult<string>> => raceSignal(lines.next(), signal).catch(async (err: unknown) => {
    await stopChild(child)
    throw err
  })
  for (let line = await next(); line.done !== true; line = await next()) {
    if (line.value.includes('/tcp/')) {
      // keep reading, so that a child writing more (node --trace-gc) never blocks on a full pipe
      void (async () => { for (let rest = await lines.next(); rest.done !== true; rest = await lines.next()) if (process.env.PARLEY_BENCH_CHILD_STDOUT === '1') process.stderr.write(`${rest.value}\n`) })()
      return { child, addr: line.value.trim() }
    }
  }
  throw new Error(`${args.join(' ')} exited before printing its address`)
}

const ACK_SERVER = new URL('../helpers/ack-server.ts', import.meta.url).pathname
const ACK_PROTOCOL = '/parley-bench/ack/1.0.0'

/**
 * The reference in the same run: the same clients send frames of a deposit request's size to a
 * plain libp2p node in its own process that acks each (bench/helpers/ack-server.ts), 16 in
 * flight per client; returns acks/s and that process's CPU per request.
 */
async function rawAckReference (nodes: Libp2p[], recipient: Uint8Array, signal: AbortSignal): Promise<{ perSecond: number, serverMicros: number, clientMicros: number }> {
  const { child, addr } = await startPrinting(['--import', 'tsx', ACK_SERVER], signal)
  try {
    const frame = encodeFrame(MailboxRequest.encode({ requestId: 1n, deposit: { envelope: EnvelopeCodec.encode(envelope(recipient)) } }))
    const streams = await Promise.all(nodes.map(async (n) => {
      const stream = await n.dialProtocol(multiaddr(addr), ACK_PROTOCOL, { signal })
      return { stream, reader: new FrameReader(stream, { maxFrameBytes: 1024 }), writer: new CoalescingFrameWriter(stream, { writeTimeoutMs: 30_000 }) }
    }))
    // like MailboxClient: up to IN_FLIGHT requests outstanding, acks matched in order
    const send = async (c: typeof streams[number], count: number): Promise<void> => {
      const waiting: Array<() => void> = []
      let acked = 0
      const reading = (async () => {
        while (acked < count) {
          if ((await c.reader.next({ signal })) == null) throw new Error('ack stream ended')
          acked++
          waiting.shift()?.()
        }
      })()
      await pool(count, IN_FLIGHT, async () => {
        const { promise, resolve } = Promise.withResolvers<void>()
        waiting.push(resolve)
        c.writer.write(frame).catch((err: unknown) => { c.stream.abort(err as Error) })
        // the reader failing (stream reset, deadline) ends every wait for an ack too
        await Promise.race([promise, reading])
      })
      await reading
    }
    await Promise.all(streams.map(async (c) => { await send(c, 50) }))
    const cpu = await processCpuSeconds(child.pid!)
    const clientCpu = process.cpuUsage()
    const start = performance.now()
    await Promise.all(streams.map(async (c) => { await send(c, PER_CLIENT) }))
    const seconds = (performance.now() - start) / 1000
    const total = CLIENTS * PER_CLIENT
    const serverCpu = (await processCpuSeconds(child.pid!)) - cpu
    await Promise.all(streams.map(async (c) => c.stream.close({ signal })))
    return { perSecond: total / seconds, serverMicros: serverCpu / total * 1e6, clientMicros: cpuMicros(process.cpuUsage(clientCpu)) / total }
  } finally {
    await stopRelayProcess(child)
  }
}

/** Starts `parley relay` as a child process; resolves with its TCP multiaddr. */
export async function startRelayProcess (dataDir: string, metricsPort: number, signal: AbortSignal, store?: { postgres: string }): Promise<{ child: ChildProcess, addr: string }> {
  const fast = { perSecond: 1e9, burst: 1e9 }
  const config = {
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    manyPeersPerAddress: true,
    metrics: { enabled: true, host: '127.0.0.1', port: metricsPort },
    provide: { enabled: false },
    log: { level: 'warn' },
    limits: {
      depositRate: fast, fetchRate: fast, depositRatePerAddress: null, fetchRatePerAddress: null, prekeyRatePerAddress: null, maxStreamsPerConnection: 32, mailboxMaxEnvelopes: 100_000, storageMaxBytes: 8 * 2 ** 30,
      // the held mailboxes' owners never log in here: give mailboxes no owner has authenticated
      // (48 h retention, small quotas by default) the quotas of owned ones, so that 1M envelopes
      // over 1,000 mailboxes fit as before that distinction existed
      maxUnownedMailboxes: 100_000, unownedMailboxMaxEnvelopes: 100_000, unownedMailboxMaxBytes: 2 ** 30
    },
    ...(store != null ? { store } : {})
  }
  const configPath = join(dataDir, '..', 'relay.json')
  await writeFile(configPath, JSON.stringify(config))
  const env = RELAY_FROM_DIST ? { ...process.env, PARLEY_USE_DIST: '1' } : process.env
  return await startPrinting([...(process.env.PARLEY_BENCH_RELAY_NODE_FLAGS ?? '').split(' ').filter(Boolean), BIN, 'relay', '--config', configPath], signal, env)
}

/** A TCP port free on 127.0.0.1 just now (for the relay's metrics server, whose address it does not print). */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  server.close()
  await once(server, 'close')
  return port
}

/** The relay's own view of its memory (MiB) from its /metrics: V8 heap used and reserved, external (buffers). */
async function relayHeap (metricsPort: number, signal: AbortSignal): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal })).text()
  const gauge = (name: string): string => (Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20).toFixed(0)
  return `V8 heap ${gauge('nodejs_heap_used_bytes')} used of ${gauge('nodejs_heap_total_bytes')}, external ${gauge('nodejs_external_memory_bytes')}`
}

export async function stopRelayProcess (child: ChildProcess): Promise<void> {
  await stopChild(child, 20_000)
}

/** Resident and peak resident memory of a process (MiB), from /proc. */
export async function processMemory (pid: number): Promise<{ rss: number, peak: number, anon: number, file: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? NaN)
  return { rss: kb('VmRSS:') / 1024, peak: kb('VmHWM:') / 1024, anon: kb('RssAnon:') / 1024, file: kb('RssFile:') / 1024 }
}

/** User + system microseconds of a `process.cpuUsage()` difference. */
const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system

/**
 * Samples a process's memory every 200 ms; `take()` returns the highest RSS seen since the last
 * take, with the anonymous and file-mapped parts at that moment (MiB).
 */
function rssSampler (pid: number): { take: () => Promise<string>, stop: () => void } {
  let max = { rss: 0, anon: 0, file: 0 }
  const sample = async (): Promise<void> => {
    const m = await processMemory(pid).catch(() => undefined)
    if (m != null && m.rss > max.rss) max = m
  }
  const timer = setInterval(() => { void sample() }, 200)
  return {
    take: async () => {
      await sample()
      const m = max
      max = { rss: 0, anon: 0, file: 0 }
      return `${m.rss.toFixed(0)} (${m.anon.toFixed(0)} + ${m.file.toFixed(0)})`
    },
    stop: () => { clearInterval(timer) }
  }
}

/** CPU seconds per thread name of a process (user + system), from /proc/<pid>/task. */
async function threadCpuSeconds (pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '')
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    if (open < 0 || close < 0) continue
    // V8 and libuv number their threads (V8Worker, libuv-worker): one entry per kind
    const name = stat.slice(open + 1, close).replace(/[\s\d]+$/, '') || 'thread'
    const fields = stat.slice(close + 2).split(' ')
    out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100)
  }
  return out
}

/** Per-thread-kind CPU between two readings, as "name N µs" per envelope, largest first. */
function threadBreakdown (before: Map<string, number>, after: Map<string, number>, envelopes: number): string {
  return [...after].map(([name, s]) => [name, (s - (before.get(name) ?? 0)) / envelopes * 1e6] as const)
    .filter(([, us]) => us >= 0.5).sort((a, b) => b[1] - a[1]).map(([name, us]) => `${name} ${us.toFixed(0)}`).join(', ')
}

/** CPU seconds a process has used (user + system), from /proc. */
async function processCpuSeconds (pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Named step defaults (ms; PARLEY_BENCH_DEADLINE_SCALE multiplies them). */
const START_STEP_MS = 2 * 60_000
const PHASE_STEP_MS = 10 * 60_000
/** Filling to 1M held envelopes: minutes at a few thousand deposits/s on two shared cores. */
const FILL_STEP_MS = 30 * 60_000

export async function run (ctx: SuiteContext): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'parley-bench-relay-'))
  const dataDir = join(root, 'data')
  const start = { defaultMs: START_STEP_MS }
  const phase = { defaultMs: PHASE_STEP_MS }
  const bounded = (signal: AbortSignal): { signal: AbortSignal } => ({ signal })
  let child: ChildProcess | undefined
  let peaks: ReturnType<typeof rssSampler> | undefined
  const nodes: Libp2p[] = []
  const clients: MailboxClient[] = []
  try {
    const metricsPort = await freePort()
    const relay = await ctx.step('relay process started', async (signal) => startRelayProcess(dataDir, metricsPort, signal), start)
    child = relay.child
    const addr = relay.addr
    const pid = child.pid!
    const atStart = await processMemory(pid)
    peaks = rssSampler(pid)
    const phasePeaks: string[] = []
    record({ suite: SUITE, name: `relay RSS at start, empty (${atStart.anon.toFixed(0)} MiB anonymous, ${atStart.file.toFixed(0)} MiB mapped files; running ${RELAY_FROM_DIST ? 'dist/, compiled' : 'src/ through tsx'})`, value: atStart.rss, unit: 'MiB' })
    nodes.push(...await ctx.step('50 clients started', async () => Promise.all(Array.from({ length: CLIENTS }, client)), start))
    clients.push(...nodes.map((n) => new MailboxClient(n, { maxInFlight: IN_FLIGHT })))
    const owners = nodes.map(() => owner())

    // warm-up: connections, streams and auth
    await ctx.step('warm-up (connections, streams, auth)', async (signal) => {
      await Promise.all(clients.map(async (c, i) => { await c.deposit(addr, envelope(owners[(i + 1) % CLIENTS].device.publicKey), bounded(signal)) }))
      await Promise.all(clients.map(async (c, i) => c.drain(addr, owners[i], () => {}, bounded(signal))))
    }, start)

    // 0. the reference: raw libp2p request/ack at the same size and concurrency, same clients
    const raw = await ctx.step('raw libp2p request/ack reference', async (signal) => rawAckReference(nodes, owners[0].device.publicKey, signal), phase)

    // 1. deposits: client i fills owner i+1's mailbox
    const deposited = CLIENTS * PER_CLIENT
    await ctx.step('deposits/s', async (signal) => {
      const cpu = await processCpuSeconds(pid)
      const threads = await threadCpuSeconds(pid)
      const clientCpu = process.cpuUsage()
      const start = performance.now()
      await Promise.all(clients.map(async (c, i) => {
        const recipient = owners[(i + 1) % CLIENTS].device.publicKey
        await pool(PER_CLIENT, IN_FLIGHT, async () => { await c.deposit(addr, envelope(recipient), bounded(signal)) })
      }))
      const seconds = (performance.now() - start) / 1000
      const relayCpu = (await processCpuSeconds(pid)) - cpu
      record({ suite: SUITE, name: `deposits/s, 1 KiB, ${CLIENTS} clients × ${IN_FLIGHT} in flight, relay in its own process (reference: raw libp2p request/ack, same size, clients and concurrency)`, value: deposited / seconds, unit: 'env/s', reference: raw.perSecond })
      record({ suite: SUITE, name: `relay CPU per deposit (relay process only; reference: the raw ack server's); by thread, µs: ${threadBreakdown(threads, await threadCpuSeconds(pid), deposited)}`, value: relayCpu / deposited * 1e6, unit: 'µs', reference: raw.serverMicros })
      record({ suite: SUITE, name: 'client CPU per raw request/ack (reference run)', value: raw.clientMicros, unit: 'µs' })
      record({ suite: SUITE, name: 'client CPU per deposit (the 50 clients\' process)', value: cpuMicros(process.cpuUsage(clientCpu)) / deposited, unit: 'µs' })
    }, phase)
    phasePeaks.push(`deposits ${await peaks.take()}`)

    // 2. fetch + ack: every owner drains its mailbox at once
    await ctx.step('fetch+ack/s', async (signal) => {
      const cpu = await processCpuSeconds(pid)
      const clientCpu = process.cpuUsage()
      const start = performance.now()
      const drained = await Promise.all(clients.map(async (c, i) => c.drain(addr, owners[i], () => {}, { pageSize: 100, signal })))
      const seconds = (performance.now() - start) / 1000
      const relayCpu = (await processCpuSeconds(pid)) - cpu
      const total = drained.reduce((a, b) => a + b, 0)
      if (total !== deposited) throw new Error(`drained ${total}, expected ${deposited}`)
      record({ suite: SUITE, name: `fetch+ack/s, 1 KiB, ${CLIENTS} owners draining, relay in its own process`, value: total / seconds, unit: 'env/s' })
      record({ suite: SUITE, name: 'relay CPU per fetched+acked envelope', value: relayCpu / total * 1e6, unit: 'µs' })
      record({ suite: SUITE, name: 'client CPU per fetched+acked envelope', value: cpuMicros(process.cpuUsage(clientCpu)) / total, unit: 'µs' })
    }, phase)
    phasePeaks.push(`fetch+ack ${await peaks.take()}`)

    // 3. fill the relay to HELD envelopes over HELD_MAILBOXES mailboxes, then its memory and disk
    const perClient = Math.ceil(HELD / CLIENTS)
    const held = perClient * CLIENTS
    await ctx.step(`filling to ${held.toLocaleString('en')} held`, async (signal) => {
      const boxes = Array.from({ length: HELD_MAILBOXES }, () => randomBytes(32))
      const cpu = await processCpuSeconds(pid)
      const threads = await threadCpuSeconds(pid)
      const start = performance.now()
      await Promise.all(clients.map(async (c, i) => {
        await pool(perClient, IN_FLIGHT, async (k) => { await c.deposit(addr, envelope(boxes[(i * perClient + k) % HELD_MAILBOXES]), bounded(signal)) })
      }))
      const seconds = (performance.now() - start) / 1000
      const relayCpu = (await processCpuSeconds(pid)) - cpu
      const fillThreads = threadBreakdown(threads, await threadCpuSeconds(pid), held)
      phasePeaks.push(`fill ${await peaks!.take()}`)
      const memory = await processMemory(pid)
      const heap = await relayHeap(metricsPort, signal)
      const disk = await dirBytes(join(dataDir, 'mailboxes'))
      record({ suite: SUITE, name: `filling to ${held.toLocaleString('en')} held: deposits/s (sustained)`, value: held / seconds, unit: 'env/s' })
      record({ suite: SUITE, name: `relay CPU per deposit while filling; by thread, µs: ${fillThreads}`, value: relayCpu / held * 1e6, unit: 'µs' })
      record({ suite: SUITE, name: `relay RSS with ${held.toLocaleString('en')} envelopes held (peak ${memory.peak.toFixed(0)} MiB; ${memory.anon.toFixed(0)} MiB anonymous, ${memory.file.toFixed(0)} MiB mapped files; ${heap} MiB)`, value: memory.rss, unit: 'MiB' })
      record({ suite: SUITE, name: `relay disk with ${held.toLocaleString('en')} envelopes held`, value: disk / 2 ** 20, unit: 'MiB' })
      record({ suite: SUITE, name: 'disk per held 1 KiB envelope', value: disk / held, unit: 'B' })
    }, { defaultMs: FILL_STEP_MS })

    // 4. an owner comes online to 1,000 queued envelopes (on the full relay)
    await ctx.step(`owner online → ${QUEUED} queued envelopes`, async (signal) => {
      const late = owner()
      await pool(QUEUED, IN_FLIGHT, async () => { await clients[0].deposit(addr, envelope(late.device.publicKey), bounded(signal)) })
      const start = performance.now()
      const node = await client()
      const lateClient = new MailboxClient(node)
      try {
        const got = await lateClient.drain(addr, late, () => {}, { pageSize: 500, signal })
        const ms = performance.now() - start
        if (got !== QUEUED) throw new Error(`late owner got ${got}`)
        phasePeaks.push(`owner online ${await peaks!.take()}`)
        peaks!.stop()
        record({ suite: SUITE, name: `relay peak RSS by phase, MiB (anonymous + file-mapped): ${phasePeaks.join(', ')}`, value: Math.max(...phasePeaks.map((p) => Number(/ (\d+) \(/.exec(p)?.[1] ?? 0))), unit: 'MiB' })
        record({ suite: SUITE, name: `owner online → ${QUEUED} queued envelopes fetched+acked (start, dial, auth, drain; relay full)`, value: ms, unit: 'ms' })
      } finally {
        await lateClient.stop()
        await node.stop()
      }
    }, { ...phase, unit: 'ms' }).catch(ctx.keepGoing)

    // 5. restart on the full database: time to listening (counters loaded, id filter rebuilt)
    await Promise.all(clients.map(async (c) => c.stop()))
    await stopRelayProcess(child)
    await ctx.step(`relay restart with ${held.toLocaleString('en')} envelopes held`, async (signal) => {
      const start = performance.now()
      const restarted = await startRelayProcess(dataDir, await freePort(), signal)
      const restartMs = performance.now() - start
      try {
        const afterRestart = await processMemory(restarted.child.pid!)
        record({ suite: SUITE, name: `relay restart with ${held.toLocaleString('en')} envelopes held: process start to listening (RSS then: ${afterRestart.rss.toFixed(0)} MiB)`, value: restartMs, unit: 'ms' })
      } finally {
        await stopRelayProcess(restarted.child)
      }
    }, { defaultMs: PHASE_STEP_MS })

    // 6. the same service on PostgreSQL: 1, 2 and 3 relay processes on one database (bench/helpers/relay-fleet.ts)
    await runFleet(ctx, nodes, clients, owners).catch(ctx.keepGoing)
  } finally {
    peaks?.stop()
    await ctx.step('relay suite cleanup', async () => {
      await Promise.all(clients.map(async (c) => c.stop()))
      await Promise.all(nodes.map(async (n) => n.stop()))
      if (child !== undefined) await stopRelayProcess(child)
      await rm(root, { recursive: true, force: true })
    }, start).catch(ctx.keepGoing)
  }
}
