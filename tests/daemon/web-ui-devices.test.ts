/**
 * This account's devices in the daemon's web UI (issue #19), from the user's side: a new device
 * (`parley init --link`) asks to join; the web UI shows the six digits the new device printed in
 * an accessible dialog (also for a request made before the page was opened), "Refuse" turns it away and "They match — link it" links it; the Devices
 * dialog lists both devices (name, platform, added, last seen, this device), renames one (Enter
 * saves; the other device learns the name) and unlinks it after a confirmation, after which it
 * wipes itself and its daemon stops. Real daemons, a relay and Chromium on 127.0.0.1.
 */
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { seriousA11yViolations } from './axe-audit.js'
import { spawnCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from './helpers.js'

const WAIT = { timeout: 60_000 }

describe('web UI devices', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let alice2: TestDaemon | undefined
  let token = ''
  const clis: Watched[] = []
  const taps: EventTap[] = []
  let browser: Browser | undefined
  const errors: string[] = []

  const call = async <T>(daemon: TestDaemon, bearer: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(daemon.apiUrl + path, { method, headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return (text !== '' ? JSON.parse(text) : undefined) as T
  }

  /** "Link a device" in the page: the code from the QR dialog's text field. */
  const newCode = async (page: Page): Promise<string> => {
    await page.getByRole('button', { name: 'Link a device' }).click()
    const qr = page.locator('#qr-dialog')
    await qr.locator('#qr-title', { hasText: 'Device-link code' }).waitFor()
    const code = await qr.locator('#qr-text').inputValue()
    await qr.getByRole('button', { name: 'Close' }).click()
    return code
  }
  /** `parley init --link CODE` for a new device home; resolves with the digits it printed. */
  const joinAs = async (home: string, code: string): Promise<{ cli: ReturnType<typeof spawnCli>, sas: string }> => {
    const cli = spawnCli(['init', '--home', home, '--link', code, '--bootstrap', alice!.multiaddr, '--relay', relay!.multiaddr, '--history', 'none'])
    clis.push(cli)
    const line = await cli.line(/confirm on your other device that it shows: /, 60_000)
    return { cli, sas: /(\d{3} \d{3})$/.exec(line)![1] }
  }

  beforeAll(async () => {
    dir = await tempDir('parley-ui-devices-')
    relay = await startRelay(dir.path)
    const init = spawnCli(['init', '--home', join(dir.path, 'alice')])
    expect(await init.exit).toBe(0)
    alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    token = (await readFile(join(dir.path, 'alice', 'api-token'), 'utf8')).trim()
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 120_000)

  afterAll(async () => {
    for (const t of taps) t.close()
    await browser?.close()
    await Promise.all(clis.map(async (c) => c.stop(1000)))
    await alice2?.stop()
    await alice?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('link request confirmed in a dialog (refuse, then link), devices listed, renamed, unlinked', async () => {
    // a request made before the page was open (a code from the API): the page shows it when it opens
    const refused = await joinAs(join(dir.path, 'stranger'), (await call<{ code: string }>(alice!, token, 'POST', '/v1/device-links', {})).code)
    // bypassCSP: only so that the test can inject axe-core; the app's own scripts are same-origin
    const page = await (await browser!.newContext({ bypassCSP: true })).newPage()
    page.on('pageerror', (err) => { errors.push(err.message) })
    // no window.confirm/alert any more: a native dialog would fail the test
    page.on('dialog', (d) => { errors.push(`native ${d.type()}: ${d.message()}`); void d.dismiss() })
    await page.goto((await call<{ url: string }>(alice!, token, 'POST', '/v1/login-links')).url)
    await page.locator('#network').waitFor()

    // the six digits the new device printed, in an accessible dialog; refused: the new device is turned away
    const request = page.getByRole('dialog', { name: 'A new device asks to join this account' })
    await request.waitFor(WAIT)
    expect(await request.locator('#link-request-sas').textContent()).toBe(refused.sas)
    expect(await seriousA11yViolations(page)).toEqual([])
    await request.getByRole('button', { name: 'Refuse' }).click()
    expect(await refused.cli.exit).not.toBe(0)
    await page.locator('#devices-note', { hasText: 'You refused a link request.' }).waitFor()

    // accepted (a request arriving while the page is open): the digits match what the new device printed, and it joins the account
    const accepted = await joinAs(join(dir.path, 'alice2'), await newCode(page))
    await request.waitFor(WAIT)
    expect(await request.locator('#link-request-sas').textContent()).toBe(accepted.sas)
    await request.getByRole('button', { name: 'They match — link it' }).click()
    expect(await accepted.cli.exit, accepted.cli.stderr()).toBe(0)
    expect(accepted.cli.lines.join('\n')).toContain(`account: ${alice!.address} (joined as a new device)`)
    await page.locator('#devices-note', { hasText: 'A new device joined this account.' }).waitFor(WAIT)

    alice2 = await startDaemon(join(dir.path, 'alice2'), ['--relay', relay!.multiaddr, '--bootstrap', relay!.multiaddr, '--bootstrap', alice!.multiaddr])
    const token2 = (await readFile(join(dir.path, 'alice2', 'api-token'), 'utf8')).trim()
    const tap2 = await tapEvents(alice2.apiUrl, token2)
    taps.push(tap2)
    const { items } = await call<{ items: Array<{ id: string, name: string, thisDevice: boolean }> }>(alice2, token2, 'GET', '/v1/devices')
    const other = items.find((d) => d.thisDevice)!
    const mine = items.find((d) => !d.thisDevice)!

    // the list: both devices, this one marked, the other with its platform, added and last seen
    await page.getByRole('button', { name: 'Devices', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Devices' })
    await dialog.locator('li[data-device]').nth(1).waitFor()
    expect(await dialog.locator('li[data-device]').count()).toBe(2)
    expect(await dialog.locator('#devices-summary').textContent()).toBe('2 of 6 devices on this account')
    const self = dialog.locator(`li[data-device="${mine.id}"]`)
    expect(await self.locator('.name').textContent()).toBe(`${mine.name} (this device)`)
    expect(await self.locator('.meta').textContent()).toMatch(/^computer \(daemon or app\) · added .+ · active now$/)
    expect(await self.getByRole('button', { name: /^Unlink/ }).count()).toBe(0) // not this device
    const row = dialog.locator(`li[data-device="${other.id}"]`)
    expect(await row.locator('.meta').textContent()).toMatch(/^computer \(daemon or app\) · added .+ · (last seen .+|not seen yet)$/)
    expect(await seriousA11yViolations(page)).toEqual([])

    // rename: a dialog, Enter saves; the other device learns the new name
    const renamed = tap2.next('devices-changed', (d) => d.reason === 'renamed' && d.device === other.id, 60_000)
    renamed.catch(() => {}) // awaited below; a failure before that must not become an unhandled rejection
    await row.getByRole('button', { name: `Rename ${other.name}` }).click()
    const field = page.getByRole('dialog', { name: 'Rename device' }).getByLabel('Device name')
    await field.fill('Work laptop')
    await field.press('Enter')
    await row.locator('.name', { hasText: 'Work laptop' }).waitFor(WAIT)
    await renamed
    expect((await call<{ items: Array<{ id: string, name: string }> }>(alice2, token2, 'GET', '/v1/devices')).items.find((d) => d.id === other.id)?.name).toBe('Work laptop')

    // unlink: Cancel keeps it; confirmed, it goes and the unlinked device wipes itself (its daemon stops)
    await row.getByRole('button', { name: 'Unlink Work laptop' }).click()
    const confirmUnlink = page.getByRole('dialog', { name: 'Unlink Work laptop?' })
    expect(await confirmUnlink.locator('#device-unlink-text').textContent()).toContain('wipes its copy of this account')
    expect(await seriousA11yViolations(page)).toEqual([])
    await confirmUnlink.getByRole('button', { name: 'Cancel' }).click()
    expect(await dialog.locator('li[data-device]').count()).toBe(2)
    const stopped = alice2.child.exitCode != null ? Promise.resolve() : once(alice2.child, 'exit')
    await row.getByRole('button', { name: 'Unlink Work laptop' }).click()
    await confirmUnlink.getByRole('button', { name: 'Unlink' }).click()
    await row.waitFor({ state: 'detached', ...WAIT })
    expect(await dialog.locator('#devices-summary').textContent()).toBe('1 of 6 devices on this account')
    await page.locator('#devices-note', { hasText: 'Work laptop was unlinked' }).waitFor()
    await stopped
    expect(errors).toEqual([])
  }, 300_000)
})
