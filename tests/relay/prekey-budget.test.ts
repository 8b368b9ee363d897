import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient, MailboxPrekey } from '../../src/net/mailbox-client.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { makeOwner, startClient, startTestRelay, type TestOwner } from './helpers.js'

const oneTimeKeys = (ids: number[]): MailboxPrekey[] => ids.flatMap((id) => [
  { id, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) },
  { id, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(64) }
])
const lastResort = (): MailboxPrekey[] => [
  { id: 900, kind: MailboxPrekey.Kind.X25519, blob: randomBytes(32) },
  { id: 901, kind: MailboxPrekey.Kind.ML_KEM, blob: randomBytes(64) }
]

describe('anonymous one-time prekey takes', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const nodes: Libp2p[] = []
  let owner: TestOwner
  let ownerClient: MailboxClient

  beforeAll(async () => {
    dir = await tempDir('parley-relay-prekey-budget-')
    // 3 one-time bundles per device, then about one every 1000 s; 8 takes per address at once
    relay = await startTestRelay(dir.path, {
      limits: { mailboxPrekeyRate: { perSecond: 0.001, burst: 3 }, prekeyRatePerAddress: { perSecond: 0.001, burst: 8 }, addressLimitExempt: [] }
    })
    const node = await startClient()
    nodes.push(node)
    ownerClient = new MailboxClient(node)
    owner = makeOwner()
    expect(await ownerClient.uploadPrekeys(relay.multiaddrs[0], owner, { oneTime: oneTimeKeys([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), lastResort: lastResort() })).toBe(20)
  })

  afterAll(async () => {
    await ownerClient?.stop()
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('cannot drain a device\'s pool: past its budget takers get the last-resort keys, and an address is limited across its PeerIds', async () => {
    const addr = relay.multiaddrs[0]
    // 12 takes, each from a fresh PeerId (each far below its own prekey bucket), all from one address
    const takers = await Promise.all(Array.from({ length: 12 }, async () => {
      const node = await startClient()
      nodes.push(node)
      return new MailboxClient(node)
    }))
    const outcomes = []
    for (const taker of takers) outcomes.push(await taker.takePrekey(addr, owner.deviceKey).then((bundle) => bundle, (err: unknown) => err))
    const bundles = outcomes.filter((o) => Array.isArray(o))
    const refusals = outcomes.filter((o) => !Array.isArray(o))
    // the address's burst of 8 answered; 4 refused
    expect(bundles).toHaveLength(8)
    expect(refusals.map((e) => (e as MailboxRefusedError).code)).toEqual(['ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED'])
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'prekey', scope: 'address' })).toBe(4)
    // of those 8, only the mailbox's budget of 3 carried one-time keys; the others the last-resort keys
    const withOneTime = bundles.filter((b) => b.some((p) => !p.lastResort))
    expect(withOneTime).toHaveLength(3)
    expect(bundles.slice(3).every((b) => b.length === 2 && b.every((p) => p.lastResort))).toBe(true)
    expect(relay.metrics.get('parley_relay_rate_limited_total', { op: 'prekey', scope: 'mailbox' })).toBe(5)
    expect(relay.metrics.get('parley_relay_prekeys_taken_total', { type: 'one_time' })).toBe(6)
    expect(relay.store.prekeyCount(Buffer.from(owner.deviceKey).toString('hex'))).toBe(14)

    // the owner replenishes at once (its own requests are not prekey takes)
    expect(await ownerClient.uploadPrekeys(addr, owner, { oneTime: oneTimeKeys([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]), replace: true })).toBe(20)
  })

  it('a device with no last-resort key is refused past its budget, not drained', async () => {
    const other = await startTestRelay(`${dir.path}/bare`, { limits: { mailboxPrekeyRate: { perSecond: 0.001, burst: 2 } } })
    try {
      const addr = other.multiaddrs[0]
      const bare = makeOwner()
      await ownerClient.uploadPrekeys(addr, bare, { oneTime: oneTimeKeys([1, 2, 3, 4, 5]) })
      const node = await startClient()
      nodes.push(node)
      const taker = new MailboxClient(node)
      const codes: string[] = []
      for (let i = 0; i < 4; i++) {
        try {
          await taker.takePrekey(addr, bare.deviceKey)
          codes.push('ok')
        } catch (err) {
          codes.push((err as MailboxRefusedError).code)
        }
      }
      expect(codes).toEqual(['ok', 'ok', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED'])
      expect(other.store.prekeyCount(Buffer.from(bare.deviceKey).toString('hex'))).toBe(6)
      await taker.stop()
    } finally {
      await other.stop()
    }
  })
})
