/**
 * What a throwaway depositor identity costs (sealed sender: the relay must not link one
 * sender's deposits across recipients). Against one in-process relay on 127.0.0.1, 1 KiB
 * envelopes, sequential:
 * - `fresh identity per deposit`: Ed25519 key + libp2p node created and started, TCP dial,
 *   Noise + yamux upgrade, mailbox stream, deposit, node stopped;
 * - `reused identity`: further deposits over the open mailbox stream of one identity;
 * - CPU per deposit for both (this process: client and relay together);
 * - a burst of fresh identities from one IP against a relay with libp2p's default inbound
 *   connection threshold (5 per second per IP): how many dials it refuses.
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Envelope } from '../../src/net/envelope-codec.js'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { createEphemeralLibp2p } from '../../src/p2p/index.js'
import { silentLogger, startRelay, type Relay } from '../../src/relay/index.js'
import { percentile, record } from '../results.js'

const SUITE = 'depositor'
const FRESH = 60
const REUSED = 150
const BURST = 20

function envelope (): Envelope {
  return { version: 1, id: randomBytes(16), recipientDevice: randomBytes(32), payload: randomBytes(1024), createdAt: BigInt(Date.now()), expiresAt: 0n, flags: 0 }
}

async function relayIn (dir: string, manyPeersPerAddress: boolean): Promise<Relay> {
  return startRelay({
    dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress, metrics: { enabled: false }, provide: { enabled: false }, log: { level: 'silent' }
  }, { logger: silentLogger })
}

/** One deposit from a brand-new identity, which is stopped afterwards. */
async function freshDeposit (relay: string): Promise<void> {
  const node = await createEphemeralLibp2p({ allowPrivateAddresses: true })
  await node.start()
  const client = new MailboxClient(node)
  try {
    await client.deposit(relay, envelope(), { signal: AbortSignal.timeout(10_000) })
  } finally {
    await client.stop()
    await node.stop()
  }
}

export async function run (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-depositor-'))
  const relay = await relayIn(join(dir, 'relay'), true)
  const strict = await relayIn(join(dir, 'strict'), false)
  const target = relay.multiaddrs[0].toString()
  try {
    await freshDeposit(target) // warm up
    const fresh: number[] = []
    let cpu = process.cpuUsage()
    for (let i = 0; i < FRESH; i++) {
      const t0 = performance.now()
      await freshDeposit(target)
      fresh.push(performance.now() - t0)
    }
    let used = process.cpuUsage(cpu)
    record({ suite: SUITE, name: 'fresh identity per deposit, p50', value: percentile(fresh, 50), unit: 'ms' })
    record({ suite: SUITE, name: 'fresh identity per deposit, p90', value: percentile(fresh, 90), unit: 'ms' })
    record({ suite: SUITE, name: 'fresh identity per deposit, CPU', value: (used.user + used.system) / 1000 / FRESH, unit: 'ms/deposit' })

    const node = await createEphemeralLibp2p({ allowPrivateAddresses: true })
    await node.start()
    const client = new MailboxClient(node)
    try {
      await client.deposit(target, envelope())
      const reused: number[] = []
      cpu = process.cpuUsage()
      for (let i = 0; i < REUSED; i++) {
        const t0 = performance.now()
        await client.deposit(target, envelope())
        reused.push(performance.now() - t0)
      }
      used = process.cpuUsage(cpu)
      record({ suite: SUITE, name: 'reused identity, p50', value: percentile(reused, 50), unit: 'ms' })
      record({ suite: SUITE, name: 'reused identity, CPU', value: (used.user + used.system) / 1000 / REUSED, unit: 'ms/deposit' })
    } finally {
      await client.stop()
      await node.stop()
    }

    const outcomes = await Promise.allSettled(Array.from({ length: BURST }, async () => freshDeposit(strict.multiaddrs[0].toString())))
    record({ suite: SUITE, name: `burst of ${BURST} fresh identities, default relay: refused`, value: outcomes.filter((o) => o.status === 'rejected').length, unit: 'deposits' })
  } finally {
    await relay.stop()
    await strict.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
