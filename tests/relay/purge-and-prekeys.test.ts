import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient, MailboxPrekey } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { ACCOUNT_RECORD_VERSION, signAccountRecord, verifyAccountRecord } from '../../src/identity/account-record.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay, type TestOwner } from './helpers.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function code (promise: Promise<unknown>): Promise<string> {
  try { await promise } catch (err) { expect(err).toBeInstanceOf(MailboxRefusedError); return (err as MailboxRefusedError).code }
  throw new Error('expected a refusal')
}

describe('relay sweeps, secret envelopes, storage cap and one-time prekeys', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let shortRelay: Relay
  let relay: Relay
  /** Prekeys count in the storage cap: they get a relay of their own, not the nearly full one above. */
  let prekeyRelay: Relay
  let node: Libp2p
  let client: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-relay-purge-')
    shortRelay = await startTestRelay(`${dir.path}/short`, {
      limits: { retentionMs: 400, secretMaxMs: 300 },
      sweep: { intervalMs: 3_600_000, inactivityOverrideMs: 300 }
    })
    relay = await startTestRelay(`${dir.path}/default`, { limits: { storageMaxBytes: 3000 } })
    prekeyRelay = await startTestRelay(`${dir.path}/prekeys`)
    node = await startClient()
    client = new MailboxClient(node)
  })

  afterAll(async () => {
    await client?.stop()
    await node?.stop()
    await shortRelay?.stop()
    await relay?.stop()
    await prekeyRelay?.stop()
    await dir?.cleanup()
  })

  it('purges the mailbox and prekeys of an owner silent past its inactivity period; active owners stay', async () => {
    const addr = shortRelay.multiaddrs[0]
    const idle = makeOwner()
    const active = makeOwner()
    await client.uploadPrekeys(addr, idle, { oneTime: [{ id: 1, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) }] })
    await client.fetch(addr, active)
    await client.deposit(addr, makeEnvelope(idle.deviceKey, { expiresAt: BigInt(Date.now() + 60_000) }))
    await client.stop()
    client = new MailboxClient(node)
    await sleep(350)
    await client.fetch(addr, active) // re-authenticates: last auth is fresh
    const { purged } = await shortRelay.sweep()
    expect(purged).toBe(1)
    expect(await code(client.takePrekey(addr, idle.deviceKey))).toBe('ERR_NO_PREKEY')
    expect(shortRelay.metrics.get('parley_relay_purged_mailboxes_total')).toBe(1)
    // its envelope went with it: a fresh first auth (record again) finds an empty mailbox
    expect((await client.fetch(addr, idle)).envelopes).toHaveLength(0)
    // the active owner was kept
    expect((await client.fetch(addr, active)).envelopes).toHaveLength(0)
  })

  it('removes envelopes past retention or their own lifetime', async () => {
    const addr = shortRelay.multiaddrs[0]
    const owner = makeOwner()
    await client.deposit(addr, makeEnvelope(owner.deviceKey)) // retention 400 ms
    await client.deposit(addr, makeEnvelope(owner.deviceKey, { expiresAt: BigInt(Date.now() + 150) })) // own lifetime
    expect((await client.fetch(addr, owner)).envelopes).toHaveLength(2)
    await sleep(200)
    expect((await client.fetch(addr, owner)).envelopes).toHaveLength(1) // expired ones are never handed out
    await sleep(250)
    expect((await client.fetch(addr, owner)).envelopes).toHaveLength(0)
    const before = shortRelay.metrics.get('parley_relay_expired_envelopes_total')
    const { expired } = await shortRelay.sweep()
    expect(expired).toBeGreaterThanOrEqual(2)
    expect(shortRelay.metrics.get('parley_relay_expired_envelopes_total')).toBe(before + expired)
    expect(shortRelay.metrics.render()).toMatch(/parley_relay_stored_envelopes 0/)
  })

  it('holds a secret-flagged envelope only until first fetch, and at most the secret cap', async () => {
    const addr = shortRelay.multiaddrs[0]
    const owner = makeOwner()
    const secret = makeEnvelope(owner.deviceKey, { flags: 1 })
    const normal = makeEnvelope(owner.deviceKey)
    await client.deposit(addr, secret)
    await client.deposit(addr, normal)
    const first = await client.fetch(addr, owner)
    expect(first.envelopes.map((e) => hex(e.id))).toEqual([hex(secret.id), hex(normal.id)])
    const second = await client.fetch(addr, owner)
    expect(second.envelopes.map((e) => hex(e.id))).toEqual([hex(normal.id)])
    // never fetched: gone after the 300 ms secret cap even though retention is 400 ms
    const unfetched = makeEnvelope(owner.deviceKey, { flags: 1 })
    await client.ack(addr, owner, [normal.id])
    await client.deposit(addr, unfetched)
    await sleep(320)
    expect((await client.fetch(addr, owner)).envelopes).toHaveLength(0)
  })

  it('refuses deposits once the global storage cap is reached', async () => {
    const addr = relay.multiaddrs[0]
    const owners = [makeOwner(), makeOwner(), makeOwner()]
    let refused = ''
    for (let i = 0; i < 10 && refused === ''; i++) {
      try {
        await client.deposit(addr, makeEnvelope(owners[i % 3].deviceKey, { payload: new Uint8Array(600) }))
      } catch (err) {
        refused = (err as MailboxRefusedError).code
      }
    }
    expect(refused).toBe('ERR_STORAGE_FULL')
    // acking frees space
    const page = await client.fetch(addr, owners[0])
    await client.ack(addr, owners[0], page.envelopes.map((e) => e.id))
    await client.deposit(addr, makeEnvelope(owners[1].deviceKey, { payload: new Uint8Array(600) }))
  })

  it('hands each one-time prekey out once, then the last-resort key', async () => {
    const addr = prekeyRelay.multiaddrs[0]
    const owner = makeOwner()
    const x = [1, 2, 3].map((id) => ({ id, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) }))
    const pq = [10, 11].map((id) => ({ id, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(1184) }))
    const lastResort = [{ id: 99, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(1184) }, { id: 98, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) }]
    expect(await client.uploadPrekeys(addr, owner, { oneTime: [...x, ...pq], lastResort })).toBe(5)

    // anyone may take a bundle — use another node
    const other = await startClient()
    const taker = new MailboxClient(other)
    const handed: string[] = []
    const bundles = []
    for (let i = 0; i < 5; i++) {
      const bundle = await taker.takePrekey(addr, owner.deviceKey)
      bundles.push(bundle)
      for (const p of bundle) if (!p.lastResort) handed.push(`${p.kind}:${p.id}`)
    }
    expect(new Set(handed).size).toBe(handed.length) // never twice
    expect(handed.sort()).toEqual(['ML_KEM:10', 'ML_KEM:11', 'X25519:1', 'X25519:2', 'X25519:3'])
    expect(bundles[2].find((p) => p.kind === MailboxPrekey.Kind.ML_KEM)).toMatchObject({ id: 99, lastResort: true })
    expect(bundles[4].map((p) => [p.id, p.lastResort])).toEqual([[98, true], [99, true]])
    expect(hex(bundles[4][1].blob)).toBe(hex(lastResort[0].blob))
    // an unknown device has nothing
    expect(await code(taker.takePrekey(addr, randomBytes(32)))).toBe('ERR_NO_PREKEY')
    expect(prekeyRelay.metrics.get('parley_relay_prekeys_taken_total', { type: 'one_time' })).toBe(5)
    await taker.stop()
    await other.stop()
  })

  it('purges at once when the owner presents a deleted-account tombstone', async () => {
    const addr = relay.multiaddrs[0]
    const owner = makeOwner()
    await client.uploadPrekeys(addr, owner, { oneTime: [{ id: 1, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) }] })
    // same device, tombstone record signed by its account
    const deleted = { ...owner, accountRecord: signedTombstoneFor(owner) }
    const fresh = new MailboxClient(node)
    expect(await code(fresh.fetch(addr, deleted))).toBe('ERR_ACCOUNT_DELETED')
    expect(await code(fresh.takePrekey(addr, owner.deviceKey))).toBe('ERR_NO_PREKEY')
    await fresh.stop()
  })
})

function signedTombstoneFor (owner: TestOwner): Uint8Array {
  const body = verifyAccountRecord(owner.accountRecord).body
  return signAccountRecord({ ...body, version: ACCOUNT_RECORD_VERSION, sequence: body.sequence + 1n, deleted: true }, owner.account)
}
