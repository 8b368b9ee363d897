/**
 * Group invite links in the daemon's web UI (issue #20), from the user's side: Alice opens her
 * group's members panel, makes an invite link (its QR code and text shown); Carol, no contact of
 * hers, pastes it into "Join group", is told her request waits; Alice sees it in the invite dialog
 * and approves it; Carol's page says she joined. Two real daemons, a relay and Chromium on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { seriousA11yViolations } from './axe-audit.js'
import { runCli, startDaemon, startRelay, type TestDaemon, type Watched } from './helpers.js'

const WAIT = { timeout: 60_000 }
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

describe('web UI group invite links', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  const daemons: Record<string, TestDaemon> = {}
  const tokens: Record<string, string> = {}
  let browser: Browser | undefined
  const errors: string[] = []

  const call = async <T>(who: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(daemons[who].apiUrl + path, { method, headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`${who} ${method} ${path}: ${res.status} ${text}`)
    return (text !== '' ? JSON.parse(text) : undefined) as T
  }
  const pageOf = async (who: string): Promise<Page> => {
    const page = await (await browser!.newContext({ bypassCSP: true })).newPage()
    page.on('pageerror', (err) => { errors.push(`${who}: ${err.message}`) })
    await page.goto((await call<{ url: string }>(who, 'POST', '/v1/login-links')).url)
    await page.locator('#network').waitFor()
    return page
  }

  beforeAll(async () => {
    dir = await tempDir('parley-ui-invites-')
    const names = ['alice', 'bob', 'carol']
    const [r, ...inits] = await Promise.all([startRelay(dir.path), ...names.map(async (n) => runCli(['init', '--home', join(dir.path, n)]))])
    relay = r
    for (const init of inits) expect(init.code, init.stderr).toBe(0)
    for (const n of names) {
      daemons[n] = await startDaemon(join(dir.path, n), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, ...(n === 'alice' ? [] : ['--bootstrap', daemons.alice.multiaddr])])
      tokens[n] = (await readFile(join(dir.path, n, 'api-token'), 'utf8')).trim()
    }
    await call('alice', 'POST', '/v1/contacts', { address: daemons.bob.address, name: 'Bob' })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all(Object.values(daemons).map(async (d) => d.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('invite dialog: a link with its QR code; join by link; the request approved; the joiner told', async () => {
    const group = await call<{ id: string }>('alice', 'POST', '/v1/groups', { name: 'Crag', members: [daemons.bob.address] })
    const alice = await pageOf('alice')
    await alice.locator(`#contact-list button[data-group="${group.id}"]`).click()
    await alice.getByRole('button', { name: 'Members', exact: true }).click()
    // the group picture: a small PNG chosen in the members panel, shown there, and Bob gets it
    await alice.locator('#group-picture-file').setInputFiles({ name: 'crag.png', mimeType: 'image/png', buffer: PNG })
    await alice.locator('#group-picture[src^="data:image/png;base64,"]').waitFor(WAIT)
    await expect.poll(async () => (await call<{ data: string } | null>('bob', 'GET', `/v1/groups/${group.id}/picture`))?.data, WAIT).toBe(PNG.toString('base64'))
    await alice.locator('#group-picture-file').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(20_000, 0x89) })
    await alice.locator('#group-picture-status', { hasText: 'at most 16 KiB' }).waitFor()
    await alice.locator('#group-dialog').getByRole('button', { name: 'Invite link' }).click()
    const invite = alice.locator('#invite-dialog')
    await invite.getByLabel('Link works for').selectOption({ label: '1 day' })
    await invite.getByRole('button', { name: 'Make a new link' }).click()
    const field = invite.getByLabel('Invite link', { exact: true })
    await expect.poll(async () => field.inputValue(), WAIT).toMatch(/^parley:\/\/group\//)
    const link = await field.inputValue()
    expect(await invite.locator('#invite-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(await invite.locator('#invite-expires').textContent()).toContain('This link works until')
    expect(await seriousA11yViolations(alice)).toEqual([])

    const carol = await pageOf('carol')
    await carol.getByRole('button', { name: 'Join group' }).click()
    const joinDialog = carol.locator('#join-dialog')
    await joinDialog.getByLabel('Invite link').fill(link)
    await joinDialog.getByRole('button', { name: 'Ask to join' }).click()
    const status = carol.locator('#join-status')
    await status.filter({ hasText: 'Your request waits for approval.' }).waitFor(WAIT)
    expect(await seriousA11yViolations(carol)).toEqual([])

    // the open invite dialog lists Carol's request (she is no contact: her address); Alice approves
    const approve = invite.getByRole('button', { name: /^Approve / })
    await approve.waitFor(WAIT)
    expect(await invite.locator('#invite-requests li').getAttribute('data-address')).toBe(daemons.carol.address)
    await approve.click()
    await status.filter({ hasText: 'You joined Crag.' }).waitFor(WAIT)
    await carol.locator(`#contact-list button[data-group="${group.id}"]`).waitFor(WAIT)
    await invite.locator('#invite-requests-none').waitFor({ state: 'visible' })
    // the new member got the picture with the group's state
    expect((await call<{ mime: string } | null>('carol', 'GET', `/v1/groups/${group.id}/picture`))?.mime).toBe('image/png')

    // a mistyped link: said in words, no request sent
    await joinDialog.getByLabel('Invite link').fill('parley://group/nope')
    await joinDialog.getByRole('button', { name: 'Ask to join' }).click()
    await status.filter({ hasText: 'This link is not valid' }).waitFor()
    expect(errors).toEqual([])
  }, 300_000)
})
