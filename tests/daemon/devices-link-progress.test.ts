/**
 * The existing device's side of a new device's history in the CLI (issue #19): `parley devices
 * link`, in a real terminal (a pty), asks to compare the digits, then draws a progress bar
 * (cli-progress on stderr) while it sends the history the new device asked for, and says how it
 * ended. Real daemons and a relay on 127.0.0.1; the new device is `parley init --link`.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConversationView } from '../../src/messenger/types.js'
import { tempDir } from '../helpers/network.js'
import { runCli, spawnCli, spawnCliInPty, startDaemon, startRelay, type TestDaemon, type Watched, callApi } from './helpers.js'

const COUNT = 60

describe('parley devices link: the history it sends, as a progress bar', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  const stops: Array<() => unknown> = []

  beforeAll(async () => {
    dir = await tempDir('parley-devices-link-bar-')
    const [r, a] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', join(dir.path, 'alice')])])
    relay = r
    expect(a.code, a.stderr).toBe(0)
    alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    const bob = await runCli(['init', '--home', join(dir.path, 'bob')])
    expect(bob.code, bob.stderr).toBe(0)
    const bobAddress = /account: (\S+)/.exec(bob.stdout)?.[1]
    if (bobAddress == null) throw new Error(`no address in: ${bob.stdout}`)
    await callApi(alice, 'POST', '/v1/contacts', { address: bobAddress, name: 'Bob' })
    const chat = await callApi<ConversationView>(alice, 'POST', `/v1/contacts/${bobAddress}/conversation`)
    for (let i = 0; i < COUNT; i++) await callApi(alice, 'POST', `/v1/conversations/${chat.id}/messages`, { text: `before the link ${i}` })
  }, 180_000)

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    await alice?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('asks for the digits, then shows the history going to the new device and how it ended', async () => {
    const link = spawnCliInPty(['devices', 'link', '--home', join(dir.path, 'alice'), '--no-qr'])
    stops.push(() => { link.kill() })
    const code = await link.waitFor(/parley-link:[1-9A-HJ-NP-Za-km-z]+/, 60_000)
    const joining = spawnCli(['init', '--home', join(dir.path, 'alice2'), '--link', code, '--bootstrap', alice!.multiaddr, '--relay', relay!.multiaddr, '--history', 'all'])
    stops.push(async () => joining.stop(1000))
    const question = await link.waitFor(/Does the new device show \d{3} \d{3}\?/, 60_000)
    link.write('y\n')
    expect(await joining.exit, joining.stderr()).toBe(0)
    // the new device printed the same digits the existing one asked about
    expect(joining.lines.join('\n')).toContain(question.slice('Does the new device show '.length, -1))
    await link.waitFor(/sending the history it asked for/, 60_000)
    // the bar (drawn on the terminal's stderr) reached the whole history
    await link.waitFor(new RegExp(`sending history .*100% \\| ${COUNT}/${COUNT} messages`), 60_000)
    await link.waitFor(new RegExp(`history sent: ${COUNT} messages stored on the new device`), 60_000)
    expect(await link.exit).toBe(0)
  }, 240_000)
})
