/**
 * Scale simulation (issue #24, item 4), opt-in: `npm run simulate -- --nodes N [--relays R]
 * [--transport memory|tcp] [--lookups L] [--records K] [--churn 0.1,0.3,0.5] [--phase-s S]
 * [--rate M] [--self-lookup false] [--out file.json]`.
 *
 * N real Parley libp2p nodes (the product's assembly, `network.ts`) in this one process over
 * `@libp2p/memory` (default; `--transport tcp`: 127.0.0.1), R of them relays that announce
 * themselves in the DHT. Measured with the product's code (`measure.ts`, `delivery.ts`):
 * - **DHT lookups**: `getClosestPeers` of random keys from random nodes: hops, peers queried, latency;
 * - **relay load balance**: every device picks 3 relays with the real `RelayDiscovery.find`,
 *   with the rule before issue #24 (the first 3 found) and with the random draw: devices per relay;
 * - **delivery under churn**: one account per device, its record in the DHT listing its relays;
 *   for each churn level, messages between random accounts while that share of the devices is
 *   offline, a quarter of them swapped every few seconds: delivery ratio and delay;
 * - **finding records while nodes stop**: K records, then 10/30/50 % of all nodes stopped.
 * Prints a JSON report (and writes it with `--out`). Not part of `npm test` or `npm run bench`.
 * Plots of several reports: `npx tsx bench/simulate/plot.ts <report.json>…`.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { churnPhase, publishAccounts } from './delivery.js'
import { announceRelays, lookup, recordsUnderStops, relayLoad } from './measure.js'
import { bootstrap, routingTableSize, selfLookup, startNetwork, type Transport } from './network.js'
import { log, pick, pool, quantile, summary } from './stats.js'

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    relays: { type: 'string', default: '10' },
    transport: { type: 'string', default: 'memory' },
    lookups: { type: 'string', default: '60' },
    records: { type: 'string', default: '20' },
    churn: { type: 'string', default: '0.1,0.3,0.5' },
    'phase-s': { type: 'string', default: '60' },
    rate: { type: 'string', default: '2' },
    // every node's lookup of itself after joining (fills routing tables); 'false' leaves it to kad-dht's own self-query
    'self-lookup': { type: 'string', default: 'true' },
    // the draw's grace period (default: the product's 1.5 s); e.g. 30000 gathers for the whole search
    'relay-grace-ms': { type: 'string' },
    out: { type: 'string' }
  }
})
const N = Number(args.nodes)
const R = Math.min(Number(args.relays), N - 2)
const TRANSPORT = args.transport as Transport
const LOOKUPS = Number(args.lookups)
const RECORDS = Number(args.records)
const CHURN = String(args.churn).split(',').map(Number).filter((p) => p > 0 && p < 1)
const PHASE_S = Number(args['phase-s'])
const RATE = Number(args.rate)
if (!(N >= 10)) throw new Error('--nodes must be at least 10')
if (TRANSPORT !== 'memory' && TRANSPORT !== 'tcp') throw new Error('--transport is memory or tcp')

async function main (): Promise<void> {
  const t0 = performance.now()
  const rssStart = process.memoryUsage().rss
  const cpuStart = process.cpuUsage()
  const stamp = (): number => Math.round(performance.now() - t0)
  log(`starting ${N} nodes (${R} relays) over ${TRANSPORT}`)
  const nodes = await startNetwork(N, TRANSPORT)
  const startMs = stamp()
  // each joins through up to 3 nodes started before it, then looks itself up
  const dialsFailed = (await pool(nodes.slice(1).map((node, i) => async () => await bootstrap(node, nodes.slice(0, i + 1), 3)), 8)).reduce((a, b) => a + b, 0)
  const dialMs = stamp() - startMs
  log(`dialled in ${(dialMs / 1000).toFixed(1)} s`)
  const selfLookupsFailed = args['self-lookup'] === 'false' ? 0 : (await pool(nodes.map((node) => async () => await selfLookup(node, 120_000)), 8)).filter((ok) => !ok).length
  const tables = nodes.map(routingTableSize)
  const joinMs = stamp() - startMs
  log(`joined in ${(joinMs / 1000).toFixed(1)} s; routing table p50 ${quantile(tables, 0.5)}`)

  const lookups = (await pool(Array.from({ length: LOOKUPS }, () => async () => await lookup(pick(nodes))), 4)).filter((l) => l != null)
  log(`lookups: ${lookups.length}/${LOOKUPS}`)

  const relays = nodes.slice(0, R)
  const devices = nodes.slice(R)
  const announceFailed = await announceRelays(relays)
  const before = await relayLoad(relays, devices, 'first')
  const after = await relayLoad(relays, devices, 'spread', args['relay-grace-ms'] != null ? Number(args['relay-grace-ms']) : undefined)
  log(`relay load max/mean: first found ${before.load.maxOverMean}, random draw ${after.load.maxOverMean}`)

  const { accounts, published } = await publishAccounts(devices, after.picks)
  log(`accounts published: ${published}/${accounts.length}`)
  const delivery = []
  for (const level of CHURN) delivery.push(await churnPhase(accounts, nodes, level, PHASE_S, RATE, 5_000))

  const records = await recordsUnderStops(nodes, RECORDS, CHURN)
  const cpu = process.cpuUsage(cpuStart)
  const report = {
    nodes: N,
    relays: R,
    transport: TRANSPORT,
    startMs,
    joinMs,
    dialsFailed,
    selfLookupsFailed,
    routingTable: summary(tables),
    lookups: { attempted: LOOKUPS, hops: summary(lookups.map((l) => l.hops)), queried: summary(lookups.map((l) => l.queried)), ms: summary(lookups.map((l) => Math.round(l.ms))), log2N: Number(Math.log2(N).toFixed(2)) },
    relayLoad: { announceFailed, graceMs: args['relay-grace-ms'] != null ? Number(args['relay-grace-ms']) : 1500, before: before.load, after: after.load },
    accountsPublished: `${published}/${accounts.length}`,
    delivery,
    recordsUnderStops: records,
    rssMiB: Math.round((process.memoryUsage().rss - rssStart) / 1048576),
    cpuS: Math.round((cpu.user + cpu.system) / 1e6),
    totalS: Math.round((performance.now() - t0) / 1000),
    date: new Date().toISOString().slice(0, 10)
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  if (args.out != null) await writeFile(args.out, JSON.stringify(report, null, 2) + '\n')
  await pool(nodes.filter((n) => n.live).map((n) => async () => { await n.libp2p.stop() }), 16)
}

main().then(() => process.exit(0), (err: unknown) => { log(err); process.exit(1) })
