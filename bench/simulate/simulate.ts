/**
 * Scale simulation (issue #24, item 4), opt-in: `npm run simulate -- --nodes N [--relays R]
 * [--lookups L] [--records K] [--churn 0.1,0.3,0.5] [--out file.json]`.
 *
 * N real Parley libp2p nodes (`createParleyLibp2p`: the DHT with Parley's record rules, identify,
 * ping; TCP on 127.0.0.1, port 0) in this one process, R of them relays that announce themselves
 * in the DHT. Measured, with the code the product runs:
 * - **DHT lookups**: `getClosestPeers` of random keys from random nodes: hops (the depth, in
 *   referrals, at which the closest peer found was reached), peers queried, latency;
 * - **relay load balance**: every non-relay node picks 3 relays with the real `RelayDiscovery.find`;
 *   how many devices each relay gets (max / mean, relays never picked);
 * - **finding a recipient under churn**: K signed account records are put before the churn; then
 *   10 %, 30 %, 50 % of the nodes (relays and publishers too) are stopped, and the records are
 *   looked up (`dht.get`, what a sender does before it can write) from random live nodes: found
 *   ratio and latency.
 * Prints a JSON report (and writes it with `--out`). Not part of `npm test` or `npm run bench`.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import type { PeerId } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { accountDhtKey, ACCOUNT_RECORD_VERSION, signAccountRecord, signDeviceEntry } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519 } from '../../src/identity/keys.js'
import { relayProviderCid, RelayDiscovery } from '../../src/net/relay-discovery.js'
import { createParleyLibp2p, testNetwork, type ParleyLibp2p } from '../../src/p2p/index.js'

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    relays: { type: 'string', default: '10' },
    lookups: { type: 'string', default: '60' },
    records: { type: 'string', default: '20' },
    churn: { type: 'string', default: '0.1,0.3,0.5' },
    out: { type: 'string' }
  }
})
const N = Number(args.nodes)
const R = Math.min(Number(args.relays), N)
const LOOKUPS = Number(args.lookups)
const RECORDS = Number(args.records)
const CHURN = String(args.churn).split(',').map(Number).filter((p) => p > 0 && p < 1)
if (!(N >= 10)) throw new Error('--nodes must be at least 10')

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]
const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}
const summary = (xs: number[]): Record<string, number> => ({ n: xs.length, mean: Number((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(2)), p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p99: quantile(xs, 0.99), max: Math.max(...xs) })
const log = (...parts: unknown[]): void => { process.stderr.write(parts.map(String).join(' ') + '\n') }

/** At most `limit` of `tasks` at once. */
async function pool<T> (tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i]()
    }
  }))
  return out
}

async function startNode (): Promise<ParleyLibp2p> {
  return await createParleyLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: false, webrtc: false, ...testNetwork() })
}

/** XOR distance of two equal-length byte strings, as a bigint (for "closest"). */
function distance (a: Uint8Array, b: Uint8Array): bigint {
  let d = 0n
  for (let i = 0; i < Math.min(a.length, b.length); i++) d = (d << 8n) | BigInt(a[i] ^ b[i])
  return d
}

/** One lookup of a random key: hops to the closest peer found, peers queried, latency (ms). */
async function lookup (node: ParleyLibp2p): Promise<{ hops: number, queried: number, ms: number } | undefined> {
  const key = randomBytes(32)
  const target = sha256(key)
  const depth = new Map<string, number>()
  let queried = 0
  let closest: { peer: PeerId, d: bigint } | undefined
  const started = performance.now()
  try {
    for await (const event of node.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(60_000) })) {
      if (event.name === 'PEER_RESPONSE') {
        queried++
        const from = event.from.toString()
        const level = depth.get(from) ?? 1
        depth.set(from, level)
        for (const p of event.closer) if (!depth.has(p.id.toString())) depth.set(p.id.toString(), level + 1)
      } else if (event.name === 'FINAL_PEER') {
        const d = distance(sha256(event.peer.id.toMultihash().bytes), target)
        if (closest == null || d < closest.d) closest = { peer: event.peer.id, d }
      }
    }
  } catch (err) {
    log('lookup failed:', (err as Error).message)
    return undefined
  }
  if (closest == null) return undefined
  return { hops: depth.get(closest.peer.toString()) ?? 1, queried, ms: performance.now() - started }
}

function accountRecord (): { key: Uint8Array, record: Uint8Array } {
  const account = generateAccountKeys().account
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, { peerId: peerIdBytesFromEd25519(randomBytes(32)), deviceKey: device.device.publicKey, identityDhKey: device.identityDh.publicKey, addedAt: 0n }, device.device)
  const now = Date.now()
  const record = signAccountRecord({ version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: BigInt(now), issuedAt: BigInt(now), expiresAt: BigInt(now + 86_400_000), inactivityDays: 30, devices: [entry], relays: [], deleted: false }, account)
  return { key: accountDhtKey(account.publicKey), record }
}

async function main (): Promise<void> {
  const t0 = performance.now()
  const rssStart = process.memoryUsage().rss
  log(`starting ${N} nodes (${R} relays)`)
  const nodes = await pool(Array.from({ length: N }, () => startNode), 8)
  const startMs = performance.now() - t0
  // each joins through up to 3 nodes started before it
  let dialsFailed = 0
  await pool(nodes.slice(1).map((node, i) => async () => {
    for (let k = 0; k < Math.min(3, i + 1); k++) await node.dial(nodes[Math.floor(Math.random() * (i + 1))].getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) }).catch((err: unknown) => { dialsFailed++; log('dial failed:', (err as Error).message) })
  }), 8)
  const dialMs = performance.now() - t0 - startMs
  log(`dialled in ${(dialMs / 1000).toFixed(1)} s`)
  // every node looks itself up (what kad-dht's self-query does, at once): routing tables fill
  let selfLookupsFailed = 0
  await pool(nodes.map((node) => async () => {
    try {
      for await (const _ of node.services.dht.getClosestPeers(node.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(120_000) })) { /* fills the tables */ }
    } catch (err) {
      selfLookupsFailed++
      log('self-lookup failed:', (err as Error).message)
    }
  }), 8)
  const tables = nodes.map((n) => (n.services.dht as unknown as { routingTable: { size: number } }).routingTable.size)
  const joinMs = performance.now() - t0 - startMs
  log(`joined in ${(joinMs / 1000).toFixed(1)} s; routing table sizes p50 ${quantile(tables, 0.5)}`)

  // DHT lookups
  const lookups = (await pool(Array.from({ length: LOOKUPS }, () => async () => await lookup(pick(nodes))), 4)).filter((l) => l != null)
  log(`lookups: ${lookups.length}/${LOOKUPS}`)

  // relays announce themselves; every other node picks 3 with the real RelayDiscovery
  const relays = nodes.slice(0, R)
  await pool(relays.map((relay) => async () => { await relay.contentRouting.provide(await relayProviderCid(), { signal: AbortSignal.timeout(60_000) }) }), 4)
  const devices = nodes.slice(R)
  const load = new Map(relays.map((r) => [r.peerId.toString(), 0]))
  const picks = await pool(devices.map((device) => async () => await new RelayDiscovery({ contentRouting: device.contentRouting, logger: defaultLogger() }, { timeoutMs: 30_000 }).find(3)), 4)
  for (const chosen of picks) for (const addr of chosen) { const id = addr.split('/p2p/').pop() ?? ''; load.set(id, (load.get(id) ?? 0) + 1) }
  const loads = [...load.values()]
  const meanLoad = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)
  log(`relay picks: ${picks.filter((p) => p.length === 3).length}/${devices.length} devices found 3`)

  // records put before the churn; looked up after each churn step
  const records = Array.from({ length: RECORDS }, accountRecord)
  await pool(records.map((r) => async () => {
    try {
      for await (const _ of pick(nodes).services.dht.put(r.key, r.record, { signal: AbortSignal.timeout(60_000) })) { /* stored at the closest peers */ }
    } catch (err) {
      log('put failed:', (err as Error).message)
    }
  }), 4)
  const churn: Array<Record<string, unknown>> = []
  const live = [...nodes]
  const stopped: ParleyLibp2p[] = []
  for (const level of [0, ...CHURN]) {
    const target = Math.floor(level * N)
    while (stopped.length < target) {
      const node = live.splice(Math.floor(Math.random() * live.length), 1)[0]
      stopped.push(node)
      await node.stop()
    }
    const results = await pool(records.map((r) => async () => {
      const from = pick(live)
      const started = performance.now()
      try {
        let found = false
        for await (const event of from.services.dht.get(r.key, { signal: AbortSignal.timeout(30_000) })) if (event.name === 'VALUE') { found = true; break }
        return { found, ms: performance.now() - started }
      } catch {
        return { found: false, ms: performance.now() - started }
      }
    }), 4)
    const found = results.filter((x) => x.found)
    churn.push({ churn: level, live: live.length, found: `${found.length}/${results.length}`, ratio: Number((found.length / results.length).toFixed(3)), ms: summary(found.map((x) => Math.round(x.ms))) })
    log(`churn ${level}: found ${found.length}/${results.length}`)
  }

  const report = {
    nodes: N,
    relays: R,
    startMs: Math.round(startMs),
    joinMs: Math.round(joinMs),
    dialsFailed,
    selfLookupsFailed,
    routingTable: summary(tables),
    lookups: { hops: summary(lookups.map((l) => l.hops)), queried: summary(lookups.map((l) => l.queried)), ms: summary(lookups.map((l) => Math.round(l.ms))), log2N: Number(Math.log2(N).toFixed(2)) },
    relayLoad: { devices: devices.length, picksPerDevice: 3, mean: Number(meanLoad.toFixed(1)), min: Math.min(...loads), max: Math.max(...loads), maxOverMean: Number((Math.max(...loads) / meanLoad).toFixed(2)), neverPicked: loads.filter((l) => l === 0).length },
    churn,
    rssMiB: Math.round((process.memoryUsage().rss - rssStart) / 1048576),
    totalS: Math.round((performance.now() - t0) / 1000)
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  if (args.out != null) await writeFile(args.out, JSON.stringify(report, null, 2) + '\n')
  await pool(live.map((n) => async () => { await n.stop() }), 8)
}

main().then(() => process.exit(0), (err: unknown) => { log(err); process.exit(1) })
