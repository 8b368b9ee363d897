/**
 * SIGKILL of a relay process mid-deposit and mid-fetch, restarted on the same address and data
 * directory. Afterwards every acknowledged message is delivered exactly once, none is shown
 * twice, and the relay's disk holds no plaintext.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { attachPeer, freePort, spawnPeer, startPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup } from '../helpers/processes.js'
import { expectExactlyOnce, expectNothingOnRelays, nth, shownTexts, storedTexts } from './invariants.js'

describe('fault injection: a relay killed', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const relays: RelayProcess[] = []
  const peers: Peer[] = []
  const start = async (name: string, args: string[]): Promise<Peer> => {
    const peer = await startPeer(join(dir.path, name), args)
    peers.push(peer)
    return peer
  }
  const startRelay = async (name: string, port: number): Promise<RelayProcess> => {
    const relay = await startRelayProcess(join(dir.path, name), { port })
    relays.push(relay)
    return relay
  }

  // a second relay the test never kills: the DHT keeps the account records (a relay holds
  // other people's records in memory only) while the mailbox relay restarts
  let dht: RelayProcess

  beforeAll(async () => {
    dir = await tempDir('parley-faults-relay-')
    dht = await startRelay('dht', 0)
  }, 120_000)

  afterAll(async () => {
    for (const p of peers) await stopPeer(p)
    for (const r of relays) await killGroup(r.proc.child)
    await dir?.cleanup()
  })

  it('relay SIGKILLed mid-deposit: the sender retries after its restart, the recipient gets each message once', async () => {
    const port = await freePort()
    let relay = await startRelay('r1', port)
    let b = await start('b1', ['--relay', relay.addr, '--bootstrap', dht.addr])
    await b.request({ cmd: 'publish' })
    const bAddress = b.address
    await stopPeer(b)

    const a = await start('a1', ['--relay-count', '0', '--bootstrap', relay.addr, '--bootstrap', dht.addr])
    const sent = Array.from({ length: 40 }, (_, i) => `RELAYDEP-${String(i).padStart(2, '0')}`)
    for (const text of sent) await a.request({ cmd: 'send', to: bAddress, text })
    // killed while A's outbox deposits
    await a.proc.waitForLine(nth(3, (l) => l.includes('"state":"stored"')), 60_000)
    await killGroup(relay.proc.child)
    const storedBeforeKill = a.proc.lines.filter((l) => l.includes('"state":"stored"')).length
    expect(storedBeforeKill, 'killed before every deposit was stored').toBeLessThan(sent.length)

    relay = await startRelay('r1', port)
    await waitUntil(async () => (await a.request({ cmd: 'outbox' })).count === 0, 120_000, 'A outbox drained to the restarted relay')

    b = await start('b1', ['--relay', relay.addr, '--bootstrap', dht.addr])
    await waitUntil(async () => (await storedTexts(b, a.address)).length >= sent.length, 90_000, 'B received everything').catch(async (err: Error) => {
      const states = a.proc.lines.filter((l) => l.includes('"event":"delivery"')).map((l) => `${(JSON.parse(l) as { state: string }).state}${(JSON.parse(l) as { reason?: string }).reason != null ? ':' + String((JSON.parse(l) as { reason?: string }).reason) : ''}`)
      throw new Error(`${err.message}: B has ${(await storedTexts(b, a.address)).length}; A's delivery events ${JSON.stringify(Object.entries(Object.groupBy(states, (x) => x)).map(([k, v]) => [k, v?.length]))}; B stderr ${b.proc.stderr().slice(-1500)}`)
    })
    expectExactlyOnce(sent, sent, await storedTexts(b, a.address))
    expectExactlyOnce(sent, sent, shownTexts([b.proc]))
    await expectNothingOnRelays([relay.dir], ['RELAYDEP', a.address])
    await stopPeer(b)
    await stopPeer(a)
  }, 300_000)

  it('relay SIGKILLed mid-fetch: the recipient drains the rest after its restart, each message once', async () => {
    const port = await freePort()
    let relay = await startRelay('r2', port)
    let b = await start('b2', ['--relay', relay.addr, '--bootstrap', dht.addr])
    await b.request({ cmd: 'publish' })
    const bAddress = b.address
    await stopPeer(b)

    const a = await start('a2', ['--relay-count', '0', '--bootstrap', relay.addr, '--bootstrap', dht.addr])
    const sent = Array.from({ length: 150 }, (_, i) => `RELAYFETCH-${String(i).padStart(3, '0')}`)
    for (const text of sent) await a.request({ cmd: 'send', to: bAddress, text })
    await waitUntil(async () => (await a.request({ cmd: 'outbox' })).count === 0, 90_000, 'A deposited everything')
    await stopPeer(a)

    // B drains its mailbox; the relay dies under it, and comes back on the same address. Pages of
    // 20: a drain stores and shows a page at a time (one transaction), so with the default 200 the
    // 150 messages would be one page, all shown before the relay could be killed between pages
    const bProc = spawnPeer(join(dir.path, 'b2'), ['--relay', relay.addr, '--bootstrap', dht.addr, '--drain-page-size', '20'])
    await bProc.waitForLine(nth(3, (l) => l.startsWith('{"event":"message"')), 90_000)
    await killGroup(relay.proc.child)
    expect(shownTexts([bProc]).length, 'killed mid-drain').toBeLessThan(sent.length)
    b = await attachPeer(bProc)
    peers.push(b)
    relay = await startRelay('r2', port)

    await waitUntil(async () => (await storedTexts(b, a.address)).length >= sent.length, 120_000, 'B received everything after the relay came back')
    expectExactlyOnce(sent, sent, await storedTexts(b, a.address))
    expectExactlyOnce(sent, sent, shownTexts([b.proc]))
    await expectNothingOnRelays([relay.dir], ['RELAYFETCH', a.address])
    await stopPeer(b)
  }, 300_000)
})
