import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { signMailboxChallenge } from '../../src/net/mailbox-codec.js'
import type { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { makeEnvelope, makeOwner, RawMailboxStream, startClient, startTestRelay } from './helpers.js'

describe('stream, fetch-rate and reservation limits', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const nodes: Libp2p[] = []
  const node = async (): Promise<Libp2p> => { const n = await startClient(); nodes.push(n); return n }

  beforeAll(async () => {
    dir = await tempDir('parley-relay-limits-')
    relay = await startTestRelay(dir.path, {
      maxReservations: 1,
      limits: { maxStreams: 2, fetchRate: { perSecond: 1, burst: 6 } }
    })
  })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('refuses mailbox streams beyond the relay-wide limit, then serves again', async () => {
    const hog = await node()
    const a = await RawMailboxStream.open(hog, relay)
    const b = await RawMailboxStream.open(hog, relay)
    // authenticated streams are never evicted to make room (idle unauthenticated ones are: stream-slots.test.ts)
    const hogOwner = makeOwner()
    for (const s of [a, b]) {
      const { challenge } = await s.request({ getChallenge: {} })
      expect((await s.request({ authenticate: signMailboxChallenge(challenge!, hogOwner.device, hogOwner.accountRecord) })).authenticated).toBeDefined()
    }
    const c = await RawMailboxStream.open(hog, relay)
    expect((await c.request({ getChallenge: {} })).errorCode).toBe('ERR_TOO_MANY_STREAMS')
    a.stream.abort(new Error('done'))
    b.stream.abort(new Error('done'))
    await waitFor(() => relay.metrics.render().includes('parley_relay_mailbox_streams 0'), 5000, 'streams freed')
    const client = new MailboxClient(await node())
    const owner = makeOwner()
    await client.deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey))
    await client.stop()
  })

  it('rate-limits owner requests per peer', async () => {
    const owner = makeOwner()
    const client = new MailboxClient(await node())
    const codes: string[] = []
    for (let i = 0; i < 8; i++) {
      try { await client.fetch(relay.multiaddrs[0], owner); codes.push('ok') } catch (err) { codes.push((err as MailboxRefusedError).code) }
    }
    // challenge + auth + 4 fetches fit the burst of 6
    expect(codes.slice(0, 4)).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(codes).toContain('ERR_RATE_LIMITED')
    await client.stop()
  })

  it('holds at most maxReservations circuit-relay reservations', async () => {
    const listen = [`${relay.multiaddrs[0].toString()}/p2p-circuit`]
    const make = async (): Promise<Libp2p> => createLibp2p({
      addresses: { listen },
      transports: [tcp(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    const first = await make()
    nodes.push(first)
    await waitFor(() => first.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 10_000, 'first reservation')
    let second: Libp2p | undefined
    try { second = await make(); nodes.push(second) } catch { /* refused at start: also fine */ }
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(second?.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')) ?? false).toBe(false)
    expect(relay.metrics.render()).toMatch(/^parley_relay_reservations 1$/m)
  })
})
