/**
 * Measurements of the scale simulation with the product's code: DHT lookup hops and latency,
 * relay load balance (the relay choice of a new account, before and after issue #24's spread),
 * and finding account records while nodes are stopped.
 */
import { defaultLogger } from '@libp2p/logger'
import type { PeerId } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { accountDhtKey, ACCOUNT_RECORD_VERSION, signAccountRecord, signDeviceEntry, type RelayEntry } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys } from '../../src/identity/keys.js'
import { relayProviderCid, RelayDiscovery } from '../../src/net/relay-discovery.js'
import { leave, type SimNode } from './network.js'
import { log, pick, pool, summary, type Summary } from './stats.js'

/** XOR distance of two equal-length byte strings, as a bigint (for "closest"). */
function distance (a: Uint8Array, b: Uint8Array): bigint {
  let d = 0n
  for (let i = 0; i < Math.min(a.length, b.length); i++) d = (d << 8n) | BigInt(a[i] ^ b[i])
  return d
}

export interface Lookup { hops: number, queried: number, ms: number }

/** One `getClosestPeers` of a random key: hops to the closest peer found (depth in referrals), peers queried, latency. */
export async function lookup (node: SimNode): Promise<Lookup | undefined> {
  const key = randomBytes(32)
  const target = sha256(key)
  const depth = new Map<string, number>()
  let queried = 0
  let closest: { peer: PeerId, d: bigint } | undefined
  const started = performance.now()
  try {
    for await (const event of node.libp2p.services.dht.getClosestPeers(key, { signal: AbortSignal.timeout(60_000) })) {
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

export interface RelayLoad { rule: string, devices: number, found3: number, mean: number, min: number, max: number, maxOverMean: number, neverPicked: number, perRelay: number[] }

/** Every device picks 3 relays with the real `RelayDiscovery.find` (`candidates: 3` = the first found, the rule before #24). */
export async function relayLoad (relays: readonly SimNode[], devices: readonly SimNode[], rule: 'first' | 'spread', graceMs?: number): Promise<{ load: RelayLoad, picks: string[][] }> {
  const load = new Map(relays.map((r) => [r.libp2p.peerId.toString(), 0]))
  const picks = await pool(devices.map((device) => async () => await new RelayDiscovery({ contentRouting: device.libp2p.contentRouting, logger: defaultLogger() }, { timeoutMs: 30_000, ...(rule === 'first' ? { candidates: 3 } : {}), ...(graceMs != null ? { graceMs } : {}) }).find(3)), 8)
  for (const chosen of picks) for (const addr of chosen) { const id = addr.split('/p2p/').pop() ?? ''; load.set(id, (load.get(id) ?? 0) + 1) }
  const loads = [...load.values()]
  const mean = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)
  return {
    picks,
    load: { rule, devices: devices.length, found3: picks.filter((p) => p.length === 3).length, mean: Number(mean.toFixed(2)), min: Math.min(...loads), max: Math.max(...loads), maxOverMean: Number((Math.max(...loads) / mean).toFixed(2)), neverPicked: loads.filter((l) => l === 0).length, perRelay: loads.sort((a, b) => b - a) }
  }
}

/** Every relay provides the relay key; returns how many announcements failed (timed out). */
export async function announceRelays (relays: readonly SimNode[]): Promise<number> {
  const cid = await relayProviderCid()
  const ok = await pool(relays.map((relay) => async () => await relay.libp2p.contentRouting.provide(cid, { signal: AbortSignal.timeout(120_000) }).then(() => true, (err: unknown) => {
    log('provide failed:', (err as Error).message)
    return false
  })), 8)
  return ok.filter((x) => !x).length
}

/** A signed account record of a fresh account whose one device is `device`, listing `relays`. */
export function accountRecord (device: SimNode, relays: RelayEntry[]): { key: Uint8Array, record: Uint8Array } {
  const account = generateAccountKeys().account
  const keys = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, { peerId: device.libp2p.peerId.toMultihash().bytes, deviceKey: keys.device.publicKey, identityDhKey: keys.identityDh.publicKey, addedAt: 0n }, keys.device)
  const now = Date.now()
  const record = signAccountRecord({ version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: BigInt(now), issuedAt: BigInt(now), expiresAt: BigInt(now + 86_400_000), inactivityDays: 30, devices: [entry], relays, deleted: false }, account)
  return { key: accountDhtKey(account.publicKey), record }
}

export async function putRecord (node: SimNode, r: { key: Uint8Array, record: Uint8Array }): Promise<boolean> {
  try {
    for await (const _ of node.libp2p.services.dht.put(r.key, r.record, { signal: AbortSignal.timeout(60_000) })) { /* stored at the closest peers */ }
    return true
  } catch (err) {
    log('put failed:', (err as Error).message)
    return false
  }
}

/** `dht.get` until the first value (what a sender does before its first message); latency in ms or undefined. */
export async function getRecord (node: SimNode, key: Uint8Array, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now()
  try {
    for await (const event of node.libp2p.services.dht.get(key, { signal: AbortSignal.timeout(timeoutMs) })) if (event.name === 'VALUE') return performance.now() - started
  } catch { /* not found in time */ }
  return undefined
}

export interface RecordChurn { churn: number, live: number, found: string, ratio: number, ms: Summary }

/** K fresh records put, then 10/30/50 % of all nodes (relays included) stopped cumulatively, the records looked up after each step. */
export async function recordsUnderStops (nodes: SimNode[], count: number, levels: number[]): Promise<RecordChurn[]> {
  const records = Array.from({ length: count }, () => accountRecord(pick(nodes), []))
  await pool(records.map((r) => async () => await putRecord(pick(nodes.filter((n) => n.live)), r)), 8)
  const out: RecordChurn[] = []
  for (const level of [0, ...levels]) {
    const target = Math.floor(level * nodes.length)
    while (nodes.filter((n) => !n.live).length < target) await leave(pick(nodes.filter((n) => n.live)))
    const live = nodes.filter((n) => n.live)
    const results = await pool(records.map((r) => async () => await getRecord(pick(live), r.key, 30_000)), 8)
    const found = results.filter((x): x is number => x != null)
    out.push({ churn: level, live: live.length, found: `${found.length}/${results.length}`, ratio: Number((found.length / results.length).toFixed(3)), ms: summary(found.map(Math.round)) })
    log(`records with ${level * 100} % stopped: found ${found.length}/${results.length}`)
  }
  return out
}
