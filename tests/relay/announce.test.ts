import { createServer } from 'node:net'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRelayArgs, loadRelayConfig } from '../../src/relay/config/index.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { startClient, startTestRelay } from './helpers.js'

/** A TCP port free on 127.0.0.1 right now (the relay's real address is not among what it announces). */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('announce addresses', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let client: Libp2p
  const announce = ['/dns4/relay.example/tcp/4001', '/dns4/relay.example/tcp/443/tls/ws']

  beforeAll(async () => {
    dir = await tempDir('parley-relay-announce-')
    const port = await freePort()
    relay = await startTestRelay(dir.path, { listen: [`/ip4/127.0.0.1/tcp/${port}`], announce })
    client = await startClient()
    await client.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${relay.peerId.toString()}`))
  })

  afterAll(async () => {
    await client?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('replace the listen addresses in what the relay prints and in what peers learn by identify', async () => {
    const id = relay.peerId.toString()
    expect(relay.multiaddrs.map(String)).toEqual(announce.map((a) => `${a}/p2p/${id}`))
    await waitFor(async () => {
      const peer = await client.peerStore.get(relay.peerId).catch(() => undefined)
      return peer != null && announce.every((a) => peer.addresses.some((p) => p.multiaddr.toString() === a))
    }, 10_000, 'identify to bring the announced addresses')
    const learned = (await client.peerStore.get(relay.peerId)).addresses.map((a) => a.multiaddr.toString())
    expect(learned.some((a) => a.startsWith('/ip4/127.0.0.1'))).toBe(false)
  })

  it('come from the config file or --announce flags', async () => {
    const { overrides } = parseRelayArgs(['--announce', announce[0], '--announce', announce[1]])
    expect((await loadRelayConfig(undefined, overrides)).announce).toEqual(announce)
    expect(() => parseRelayArgs(['--announce'])).toThrow(/needs a value/)
    await expect(loadRelayConfig(undefined, { announce: ['not a multiaddr'] })).rejects.toThrow(/announce\[0\]/)
    await expect(loadRelayConfig(undefined, { announce: [`/dns4/relay.example/tcp/4001/p2p/${relay.peerId.toString()}`] })).rejects.toThrow(/leave out \/p2p/)
  })
})
