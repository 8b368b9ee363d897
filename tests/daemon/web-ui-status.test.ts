/**
 * The daemon's web UI from the user's side (issue #17, items 2 and 3): the network line says
 * "online" only while the daemon is, and when its only relay goes down it says why; a message
 * sent then shows at once, queued, saying why it waits. Real daemon, relay and Chromium.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeAddress } from '../../src/identity/address.js'
import { generateSigningKeyPair } from '../../src/identity/keys.js'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, type TestDaemon, type Watched } from './helpers.js'

describe('web UI network status', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let daemon: TestDaemon | undefined
  let browser: Browser | undefined

  beforeAll(async () => {
    dir = await tempDir('parley-ui-status-')
    await mkdir(join(dir.path, 'relay'), { recursive: true })
    relay = await startRelay(join(dir.path, 'relay'))
    daemon = await startDaemon(join(dir.path, 'd'), ['--relay', relay.multiaddr])
  })

  afterAll(async () => {
    await browser?.close()
    await daemon?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('online while the relay is up; then the reason it is not, and a sent message that says why it waits', async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    await page.goto(daemon!.loginUrl)
    const network = page.locator('#network')
    await network.and(page.locator('[data-state="online"]')).waitFor()
    expect(await network.textContent()).toBe('network: online')
    // the relay has no WebSocket address: the line's tooltip says browsers cannot reach this daemon
    expect(await network.getAttribute('title')).toMatch(/browsers cannot reach this daemon: no WebSocket/)

    // the only relay goes away: the line turns, live, to the reason
    await relay!.stop()
    await network.and(page.locator(':not([data-state="online"])')).waitFor({ timeout: 30_000 })
    expect(await network.textContent()).toMatch(/^network (offline|degraded): relay unreachable: /)

    // a contact, a message with Enter: on screen at once, queued, with why it waits
    await page.getByLabel('Add a contact').fill(encodeAddress(generateSigningKeyPair().publicKey))
    await page.getByLabel('Add a contact').press('Enter')
    await page.getByRole('textbox', { name: 'Message' }).waitFor()
    await page.getByRole('textbox', { name: 'Message' }).fill('sent while the relay is down')
    await page.keyboard.press('Enter')
    const sent = page.locator('.msg.out', { hasText: 'sent while the relay is down' })
    await sent.waitFor({ timeout: 5_000 })
    expect(await sent.locator('.ticks').getAttribute('data-status')).toBe('queued')
    expect(await sent.locator('.waiting').textContent()).toMatch(/^waiting: relay unreachable: /)
    expect(errors).toEqual([])
  })

  it('searches the local history: the web UI (a hit opens its chat), `parley search` and GET /v1/search', async () => {
    const page = (await browser!.contexts()[0]?.pages()[0]) ?? await browser!.newPage()
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('RELAY IS DOWN')
    await page.getByRole('searchbox', { name: 'Search messages' }).press('Enter')
    const hit = page.locator('.search-hit', { hasText: 'You: sent while the relay is down' })
    await hit.waitFor()
    await page.locator('#messages').evaluate((el) => { el.replaceChildren() })
    await hit.click()
    await page.locator('.msg.out', { hasText: 'sent while the relay is down' }).waitFor()
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('no such words anywhere')
    await page.getByRole('searchbox', { name: 'Search messages' }).press('Enter')
    await page.locator('#search-results', { hasText: 'No messages found' }).waitFor()

    const cli = await runCli(['search', 'relay is DOWN', '--home', daemon!.home])
    expect(cli.code, cli.stderr).toBe(0)
    expect(cli.stdout).toMatch(/me: sent while the relay is down/)
    const none = await runCli(['search', 'no such words anywhere', '--home', daemon!.home])
    expect(none.stdout.trim()).toBe('no messages found')
    const bad = await runCli(['search', ' ', '--home', daemon!.home])
    expect(bad.code).not.toBe(0)
  })
})
