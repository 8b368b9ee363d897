/**
 * Issue #17, item 1, from the user's side: a page's <parley-chat> sends its first message to a
 * daemon started as the README shows (`--relay` with the relay's /tcp/ address, TCP listen
 * address only) and it is delivered; the daemon printed no warning that browsers cannot reach
 * it, and a daemon whose relay has no WebSocket address does print one, with the reason.
 * Driven from Node: Debian's Chromium (playwright-core), the example server's relay, the CLI.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILD_TIMEOUT, browserBuild } from '../helpers/browser-build.js'
import type { Page } from 'playwright-core'
import { startExampleServer, type ExampleServer } from '../../examples/browser-embed/serve.js'
import { silentLogger } from '../../src/relay/logger.js'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay } from '../daemon/helpers.js'
import { collectConsole, createProfile, type Profile } from './harness.js'

let example: ExampleServer
let home: Awaited<ReturnType<typeof tempDir>>
const profiles: Profile[] = []

beforeAll(async () => {
  example = await startExampleServer({ bundleDir: await browserBuild(), relayLogger: silentLogger })
  home = await tempDir('parley-daemon-reach-')
}, BUILD_TIMEOUT)

afterAll(async () => {
  await Promise.allSettled(profiles.map(async (p) => p.destroy()))
  await example?.stop()
  await home?.cleanup()
})

/** Opens the example page; resolves once its <parley-chat> started and its record is in the DHT. */
async function openChat (): Promise<{ page: Page, log: string[], address: string }> {
  const profile = await createProfile('daemon-reach')
  profiles.push(profile)
  const page = await (await profile.open()).newPage()
  const log = collectConsole(page)
  await page.goto(example.url)
  await page.locator('parley-chat .me', { hasText: 'You:' }).waitFor({ timeout: 30_000 })
  const address = await page.evaluate(() => (document.querySelector('parley-chat') as any).messenger.address as string)
  await page.waitForFunction(() => (document.querySelector('parley-chat') as any).messenger.node.isPublished === true, undefined, { timeout: 30_000 })
  return { page, log, address }
}

describe('a daemon started with the relay’s /tcp/ address', () => {
  it('is reached by a page: the first message is delivered, and the page shows it delivered', { timeout: 180_000 }, async () => {
    const relayTcp = example.relayTcp as string
    expect(relayTcp).toMatch(/\/tcp\/\d+\/p2p\//)
    // as the README: --listen /ip4/127.0.0.1/tcp/0 (the helper's), --relay $RELAY (the /tcp/ one)
    const daemon = await startDaemon(join(home.path, 'd'), ['--relay', relayTcp, '--no-ui'])
    try {
      expect(daemon.lines.filter((l) => l.startsWith('warning:'))).toEqual([])
      const browser = await openChat()
      const cli = async (...args: string[]): Promise<string> => {
        const result = await runCli([...args, '--home', daemon.home])
        expect(result.code, result.stderr).toBe(0)
        return result.stdout
      }
      // the page's user adds the daemon's account from the form and sends with Enter
      await browser.page.locator('parley-chat #add-address').fill(daemon.address)
      await browser.page.locator('parley-chat #add-name').fill('Daemon')
      await browser.page.locator('parley-chat #add-address').press('Enter')
      await browser.page.locator('parley-chat #conv-title', { hasText: 'Daemon' }).waitFor()
      await browser.page.locator('parley-chat #compose').fill('first message to a daemon')
      await browser.page.locator('parley-chat #compose').press('Enter')
      // on screen at once, then delivered (the daemon acknowledged it): the ticks say so
      await browser.page.locator('parley-chat li.msg.out', { hasText: 'first message to a daemon' }).waitFor({ timeout: 5_000 })
      await browser.page.locator('parley-chat li.msg.out:is([data-status="delivered"],[data-status="read"])', { hasText: 'first message to a daemon' })
        // the daemon's push subscription brings it; a daemon whose relay connection dropped (seen on
        // this loaded machine) re-dials it and renews the subscription at once, so the 60 s
        // periodic drain is not what delivers it: the wait stays well under the drain interval
        .waitFor({ timeout: 40_000 })
        .catch(async (err: Error) => {
          const seen = await browser.page.evaluate(async () => { const m = (document.querySelector('parley-chat') as any).messenger; const cs = await m.conversations(); const out = []; for (const c of cs.items) out.push(...(await m.messages(c.id)).items); return JSON.stringify({ out, r: m.reachability() }) })
          const daemonSide = await runCli(['status', '--json', '--home', daemon.home])
          throw new Error(`${err.message}\n${seen}\n${daemonSide.stdout}${daemonSide.stderr}\nDAEMON STDERR ${daemon.stderr().slice(-6000)}\n${browser.log.join('\n')}`)
        })
      expect(await cli('messages', browser.address)).toContain('first message to a daemon')
      // it went through the daemon's relay (the daemon has no address a browser can dial): the ticks remember it
      const ticks = browser.page.locator('parley-chat li.msg.out', { hasText: 'first message to a daemon' }).locator('.ticks')
      expect(await ticks.getAttribute('aria-label')).toMatch(/^(Delivered|Read) via relay$/)
      expect(await ticks.textContent()).toMatch(/^✓✓via relay/)
    } finally {
      await daemon.stop()
    }
  })

  it('prints a warning, with the reason, when its relay has no WebSocket address', async () => {
    await mkdir(join(home.path, 'tcp-only-relay'), { recursive: true })
    const relay = await startRelay(join(home.path, 'tcp-only-relay'))
    try {
      const daemon = await startDaemon(join(home.path, 'e'), ['--relay', relay.multiaddr, '--no-ui'])
      try {
        expect(daemon.lines.find((l) => l.startsWith('warning: browsers cannot reach this daemon:'))).toMatch(/no WebSocket .* relay address is published.*announce no WebSocket address/)
        // and GET /v1/status says so too
        const token = (await readFile(join(daemon.home, 'api-token'), 'utf8')).trim()
        const status = await (await fetch(`${daemon.apiUrl}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json()
        expect(status.reachability.browsers.reachable).toBe(false)
        expect(status.reachability.browsers.reason).toMatch(/browsers cannot deliver/)
      } finally {
        await daemon.stop()
      }
    } finally {
      await relay.stop()
    }
  })
})
