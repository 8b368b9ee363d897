import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/daemon/api-server.js'
import { encodeAddress } from '../../src/identity/address.js'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import type { Relay } from '../../src/relay/index.js'
import { startTestMessenger, startTestRelay } from '../messenger/helpers.js'
import { startTestNode, tempDir } from '../helpers/network.js'

// An attacker hands out invites whose relay= makes the victim's daemon dial what it names:
// a local Unix socket, an arbitrary host:port without a peer id, a circuit through someone else.
describe('invite links: the relay= is checked before anything is dialled', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let target: ParleyNode
  let api: ApiServer
  let unixServer: Server
  let unixSocket: string
  let unixConnections = 0
  const token = 'invite-test-token'

  const addContact = async (invite: string): Promise<{ status: number, code?: string }> => {
    const res = await fetch(`${api.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ address: invite })
    })
    const body = await res.json() as { error?: { code: string } }
    return { status: res.status, ...(body.error != null ? { code: body.error.code } : {}) }
  }
  const targetAddress = (): string => encodeAddress(target.accountKey)
  const targetTcp = (): string => target.multiaddrs.map(String).find((a) => a.includes('/tcp/'))!.replace(/\/p2p\/.*$/, '')
  const aliceConnectionsToTarget = (): number => alice.node.libp2p.getConnections(target.peerId).length

  beforeAll(async () => {
    dir = await tempDir('parley-invite-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    alice = await startTestMessenger(dir.path, 'alice', [relay.multiaddrs[0].toString()])
    target = await startTestNode(join(dir.path, 'target'))
    api = await startApiServer({ messenger: alice, token, port: 0 })
    unixSocket = join(dir.path, 'local-service.sock')
    unixServer = createServer((socket) => { unixConnections++; socket.destroy() })
    await new Promise<void>((resolve) => { unixServer.listen(unixSocket, resolve) })
  }, 60_000)

  afterAll(async () => {
    await api?.close()
    await new Promise<void>((resolve) => { if (unixServer != null) unixServer.close(() => { resolve() }); else resolve() })
    await alice?.stop()
    await target?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('answers a malformed relay= with 400 ERR_INVALID_INVITE_RELAY (not a 500)', async () => {
    expect(await addContact(`parley:${targetAddress()}?relay=not-a-multiaddr`)).toEqual({ status: 400, code: 'ERR_INVALID_INVITE_RELAY' })
    expect(await addContact(`parley:${targetAddress()}?relay=${encodeURIComponent('/ip4/999.1.1.1/tcp/1')}`)).toEqual({ status: 400, code: 'ERR_INVALID_INVITE_RELAY' })
  })

  it('refuses relays that are not TCP/WebSocket with /p2p/<id>, and dials none of them', async () => {
    const id = target.peerId.toString()
    const refused = [
      `/unix/${encodeURIComponent(unixSocket)}/p2p/${id}`, // a local service (docker.sock, …)
      targetTcp(), // any host:port, no peer id
      `${targetTcp()}/p2p/${id}/p2p-circuit/p2p/${relay.peerId.toString()}`, // a circuit through someone
      targetTcp().replace('127.0.0.1', '0.0.0.0') + `/p2p/${id}`, // the unspecified address is this machine
      `/ip4/127.0.0.1/udp/4001/p2p/${id}`,
      `/memory/x/p2p/${id}`,
      `${targetTcp()}/http/p2p/${id}`,
      `${targetTcp()}/p2p/not-a-peer-id`
    ]
    const answers: Array<{ status: number, code?: string }> = []
    for (const relayAddr of refused) answers.push(await addContact(`parley:${targetAddress()}?relay=${encodeURIComponent(relayAddr)}`))
    // addContact awaits its dial, so a dial would have connected by now
    expect(unixConnections).toBe(0)
    expect(aliceConnectionsToTarget()).toBe(0)
    expect(answers).toEqual(refused.map(() => ({ status: 400, code: 'ERR_INVALID_INVITE_RELAY' })))
    await expect(alice.listContacts()).resolves.toEqual([])
  })

  it('accepts a TCP relay with its peer id, and dials it', async () => {
    const invite = `parley:${targetAddress()}?relay=${encodeURIComponent(`${targetTcp()}/p2p/${target.peerId.toString()}`)}`
    expect((await addContact(invite)).status).toBe(201)
    expect(aliceConnectionsToTarget()).toBeGreaterThan(0)
  })
})
