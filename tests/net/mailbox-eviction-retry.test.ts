import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { makeEnvelope, makeOwner, RawMailboxStream, startTestRelay } from '../relay/helpers.js'

// each "host" is its own 127.0.0.0/8 address (Linux routes all of it to lo)
const HONEST = '127.0.0.2'
const NEWCOMER = '127.0.0.3'

async function clientFrom (localAddress: string): Promise<Libp2p> {
  // @libp2p/tcp hands dialOpts to net.connect, which binds the socket to localAddress (not in its type)
  const dialOpts = { localAddress } as unknown as TCPSocketOptions
  return createLibp2p({ addresses: { listen: [] }, transports: [tcp({ dialOpts })], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
}

describe('mailbox client: a stream the relay evicts is reopened (review of issue #15)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  const nodes: Libp2p[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-evict-retry-')
    // one mailbox stream for the whole relay: every newcomer evicts the idle one
    relay = await startTestRelay(dir.path, { limits: { addressLimitExempt: [], maxStreams: 1, unauthenticatedIdleTimeoutMs: 60_000 } })
  })

  afterAll(async () => {
    await Promise.all(nodes.map(async (n) => n.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('an honest depositor whose idle stream was evicted for a newcomer deposits again without an error', async () => {
    const owner = makeOwner()
    const honestNode = await clientFrom(HONEST)
    const newcomerNode = await clientFrom(NEWCOMER)
    nodes.push(honestNode, newcomerNode)
    const honest = new MailboxClient(honestNode)
    const target = relay.multiaddrs[0]
    const failures: string[] = []
    const deposits: Array<Promise<void>> = []
    // the honest client deposits the moment the relay evicts its idle stream, before the eviction
    // notice reaches it: its deposit crosses the notice on the evicted stream
    let armed = false
    const inc = relay.metrics.inc.bind(relay.metrics)
    relay.metrics.inc = (name, labels, value) => {
      inc(name, labels, value)
      if (name !== 'parley_relay_stream_evictions_total' || !armed) return
      armed = false
      deposits.push(honest.deposit(target, makeEnvelope(owner.deviceKey)).then(() => {}, (err: { code?: string }) => { failures.push(String(err.code)) }))
    }
    for (let round = 0; round < 10; round++) {
      // the honest client's stream is idle: a newcomer's stream takes its slot (the relay's only one)
      expect((await honest.deposit(target, makeEnvelope(owner.deviceKey))).duplicate).toBe(false)
      armed = true
      // (the honest client's retry takes the slot back, and may do so before the newcomer's side has opened)
      const newcomer = await RawMailboxStream.open(newcomerNode, relay).catch(() => undefined)
      await waitFor(() => deposits.length > round, 5000, 'the eviction')
      await deposits[round]
      newcomer?.stream.abort(new Error('round over'))
    }
    relay.metrics.inc = inc
    expect(failures).toEqual([])
    expect(deposits).toHaveLength(10)
    await honest.stop()
  })
})
