/**
 * A new device's history from the user's side (issue #19): `parley init --link CODE
 * --history-via relay` says the history comes through the relays; the existing daemon's
 * `/v1/events` stream carries `history-progress` and `history-done` for the archive it left there,
 * and its web UI's status line says so; the new daemon, once started, holds the whole history.
 * Real daemons, a relay and Chromium on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConversationView, MessageView } from '../../src/messenger/types.js'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { runCli, spawnCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched, apiToken, callApi } from './helpers.js'

const COUNT = 40

describe('history of a new device in the CLI, the API events and the web UI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let alice2: TestDaemon | undefined
  let browser: Browser | undefined
  const clis: Watched[] = []
  const taps: EventTap[] = []
  const token = apiToken
  const call = callApi

  beforeAll(async () => {
    dir = await tempDir('parley-history-ui-')
    const [r, a, b] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', join(dir.path, 'alice')]), runCli(['init', '--home', join(dir.path, 'bob')])])
    relay = r
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(join(dir.path, 'bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    await call(alice, 'POST', '/v1/contacts', { address: bob.address, name: 'Bob' })
    const chat = await call<ConversationView>(alice, 'POST', `/v1/contacts/${bob.address}/conversation`)
    for (let i = 0; i < COUNT; i++) await call(alice, 'POST', `/v1/conversations/${chat.id}/messages`, { text: `before the link ${i}` })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 180_000)

  afterAll(async () => {
    for (const t of taps) t.close()
    await browser?.close()
    await Promise.all(clis.map(async (c) => c.stop(1000)))
    await Promise.all([alice2?.stop(), alice?.stop(), bob?.stop()])
    await relay?.stop()
    await dir?.cleanup()
  })

  it('--history-via relay: the CLI says so; the existing device reports the archive on /v1/events and in its status line; the new device gets it all', async () => {
    const page = await (await browser!.newContext()).newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    await page.goto((await call<{ url: string }>(alice!, 'POST', '/v1/login-links')).url)
    await page.locator('#network').waitFor()
    const tap = await tapEvents(alice!.apiUrl, await token(alice!))
    taps.push(tap)
    const progress = tap.next('history-progress', (d) => d.via === 'relay', 120_000)
    const done = tap.next('history-done', (d) => d.via === 'relay', 120_000)
    progress.catch(() => {})
    done.catch(() => {})

    const { code } = await call<{ code: string }>(alice!, 'POST', '/v1/device-links', {})
    const cli = spawnCli(['init', '--home', join(dir.path, 'alice2'), '--link', code, '--bootstrap', alice!.multiaddr, '--relay', relay!.multiaddr, '--history', 'all', '--history-via', 'relay'])
    clis.push(cli)
    const request = page.getByRole('dialog', { name: 'A new device asks to join this account' })
    await request.waitFor({ timeout: 60_000 })
    await request.getByRole('button', { name: 'They match — link it' }).click()
    expect(await cli.exit, cli.stderr()).toBe(0)
    expect(cli.lines.join('\n')).toContain('the history comes through the account\'s relays')

    // the existing device: progress, then done, with the messages it left at the relays
    expect(await progress).toMatchObject({ role: 'sending', via: 'relay', total: COUNT })
    const finished = await done
    expect(finished).toMatchObject({ role: 'sending', via: 'relay', received: COUNT, total: COUNT })
    await page.locator('#devices-note', { hasText: new RegExp(`^History for .+: finished, ${COUNT} messages \\(left at the relays\\)\\.$`) }).waitFor({ timeout: 60_000 })

    // the new device's daemon fetches it
    alice2 = await startDaemon(join(dir.path, 'alice2'), ['--relay', relay!.multiaddr, '--bootstrap', relay!.multiaddr, '--bootstrap', alice!.multiaddr])
    await waitFor(async () => {
      const chats = await call<{ items: ConversationView[] }>(alice2!, 'GET', '/v1/conversations')
      const chat = chats.items.find((c) => c.peer === bob!.address)
      if (chat == null) return false
      const { items } = await call<{ items: MessageView[] }>(alice2!, 'GET', `/v1/conversations/${chat.id}/messages?limit=100`)
      return items.length === COUNT
    }, 120_000, 'the history on the new device')
    expect(errors).toEqual([])
  }, 300_000)

  it('--history-via takes direct or relay only, refused before anything is created', async () => {
    const home = join(dir.path, 'nobody')
    const result = await runCli(['init', '--home', home, '--link', 'parley-link:x', '--history-via', 'sideways'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('--history-via is direct or relay, not sideways')
    await expect(readFile(join(home, 'api-token'))).rejects.toThrow()
  }, 60_000)
})
