/**
 * Relay mailbox throughput, in-process (one relay and 50 libp2p clients in this process,
 * TCP on 127.0.0.1, noise + yamux): deposits/s and fetch+ack/s for 1 KiB envelopes from 50
 * concurrent clients, and the time from a mailbox owner coming online to 1,000 queued
 * envelopes fetched and acked. Client and relay share the CPU, so figures are a lower bound
 * for a relay on its own machine.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { createLibp2p } from 'libp2p'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ACCOUNT_RECORD_VERSION, signAccountRecord, signDeviceEntry } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519 } from '../../src/identity/keys.js'
import type { Envelope } from '../../src/net/envelope-codec.js'
import { MailboxClient, type MailboxOwnerCredentials } from '../../src/net/mailbox-client.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startRelay } from '../../src/relay/relay.js'
import { record } from '../results.js'

const SUITE = 'relay'
const CLIENTS = 50
const PER_CLIENT = 200
const IN_FLIGHT = 16
const QUEUED = 1000

function owner (): MailboxOwnerCredentials {
  const account = generateAccountKeys().account
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, {
    peerId: peerIdBytesFromEd25519(randomBytes(32)), deviceKey: device.device.publicKey, identityDhKey: device.identityDh.publicKey, addedAt: 0n
  }, device.device)
  const now = Date.now()
  const accountRecord = signAccountRecord({
    version: ACCOUNT_RECORD_VERSION, accountKey: account.publicKey, sequence: BigInt(now), issuedAt: BigInt(now),
    expiresAt: BigInt(now + 86_400_000), inactivityDays: 30, devices: [entry], relays: [], deleted: false
  }, account)
  return { device: device.device, accountRecord }
}

function envelope (recipient: Uint8Array): Envelope {
  return { version: 1, id: randomBytes(16), recipientDevice: recipient, payload: randomBytes(1024), createdAt: BigInt(Date.now()), expiresAt: 0n, flags: 0 }
}

async function client (): Promise<Libp2p> {
  return createLibp2p({ addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
}

async function dirBytes (path: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name)
    total += entry.isDirectory() ? await dirBytes(p) : (await stat(p)).size
  }
  return total
}

/** Runs `count` tasks with at most `limit` in flight. */
async function pool (count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) await task(next++)
  }))
}

export async function run (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-relay-'))
  const fast = { perSecond: 1e9, burst: 1e9 }
  const relay = await startRelay({
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    provide: { enabled: false },
    log: { level: 'silent' },
    limits: { depositRate: fast, fetchRate: fast, maxStreamsPerConnection: 32, mailboxMaxEnvelopes: 100_000 }
  }, { logger: silentLogger })
  const addr = relay.multiaddrs[0]
  const nodes = await Promise.all(Array.from({ length: CLIENTS }, client))
  const clients = nodes.map((n) => new MailboxClient(n, { maxInFlight: IN_FLIGHT }))
  const owners = nodes.map(() => owner())
  try {
    // warm-up: connections, streams and auth
    await Promise.all(clients.map(async (c, i) => { await c.deposit(addr, envelope(owners[(i + 1) % CLIENTS].device.publicKey)) }))
    await Promise.all(clients.map(async (c, i) => c.drain(addr, owners[i], () => {})))

    // 1. deposits: client i fills owner i+1's mailbox
    let start = performance.now()
    await Promise.all(clients.map(async (c, i) => {
      const recipient = owners[(i + 1) % CLIENTS].device.publicKey
      await pool(PER_CLIENT, IN_FLIGHT, async () => { await c.deposit(addr, envelope(recipient)) })
    }))
    let seconds = (performance.now() - start) / 1000
    record({ suite: SUITE, name: `deposits/s, 1 KiB, ${CLIENTS} clients × ${IN_FLIGHT} in flight (in-process)`, value: (CLIENTS * PER_CLIENT) / seconds, unit: 'env/s' })
    const disk = await dirBytes(join(dataDir, 'mailboxes'))
    record({ suite: SUITE, name: `disk per stored 1 KiB envelope (${CLIENTS * PER_CLIENT} held, level, before compaction)`, value: disk / (CLIENTS * PER_CLIENT), unit: 'B' })

    // 2. fetch + ack: every owner drains its mailbox at once
    start = performance.now()
    const drained = await Promise.all(clients.map(async (c, i) => c.drain(addr, owners[i], () => {}, { pageSize: 100 })))
    seconds = (performance.now() - start) / 1000
    const total = drained.reduce((a, b) => a + b, 0)
    if (total !== CLIENTS * PER_CLIENT) throw new Error(`drained ${total}, expected ${CLIENTS * PER_CLIENT}`)
    record({ suite: SUITE, name: `fetch+ack/s, 1 KiB, ${CLIENTS} owners draining (in-process)`, value: total / seconds, unit: 'env/s' })

    // 3. an owner comes online to 1,000 queued envelopes
    const late = owner()
    await pool(QUEUED, IN_FLIGHT, async () => { await clients[0].deposit(addr, envelope(late.device.publicKey)) })
    start = performance.now()
    const node = await client()
    const lateClient = new MailboxClient(node)
    const got = await lateClient.drain(addr, late, () => {}, { pageSize: 500 })
    const ms = performance.now() - start
    if (got !== QUEUED) throw new Error(`late owner got ${got}`)
    record({ suite: SUITE, name: `owner online → ${QUEUED} queued envelopes fetched+acked (start, dial, auth, drain)`, value: ms, unit: 'ms' })
    record({ suite: SUITE, name: 'relay process RSS after the run (relay + 51 clients in one process)', value: process.memoryUsage().rss / 2 ** 20, unit: 'MiB' })
    await lateClient.stop()
    await node.stop()
  } finally {
    await Promise.all(clients.map(async (c) => c.stop()))
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
