/**
 * Groups in the daemon's web UI (issue #20), from the user's side: Alice creates a group from
 * her contacts, writes to it, sees who answered (the sender's name on each message) and
 * "read by 2 of 2" under her message; the members panel promotes, removes and leaves, rename
 * and timer, each change a line in words; Bob, removed, reads that in his own web UI and can
 * no longer write. Three real daemons, a relay and Chromium on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { seriousA11yViolations } from './axe-audit.js'
import { runCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from './helpers.js'

const WAIT = { timeout: 60_000 }

describe('web UI groups', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  const daemons: Record<string, TestDaemon> = {}
  const tokens: Record<string, string> = {}
  const taps: EventTap[] = []
  let browser: Browser | undefined
  const errors: string[] = []

  const call = async <T>(who: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(daemons[who].apiUrl + path, { method, headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`${who} ${method} ${path}: ${res.status} ${text}`)
    return (text !== '' ? JSON.parse(text) : undefined) as T
  }
  const pageOf = async (who: string): Promise<Page> => {
    // bypassCSP: only so that the test can inject axe-core; the app's own scripts are same-origin
    const page = await (await browser!.newContext({ bypassCSP: true })).newPage()
    page.on('pageerror', (err) => { errors.push(`${who}: ${err.message}`) })
    page.on('dialog', (d) => { void d.accept() }) // confirm() of destructive actions: the user says yes
    await page.goto((await call<{ url: string }>(who, 'POST', '/v1/login-links')).url)
    await page.locator('#network').waitFor()
    return page
  }

  beforeAll(async () => {
    dir = await tempDir('parley-ui-groups-')
    const names = ['alice', 'bob', 'carol']
    const [r, ...inits] = await Promise.all([startRelay(dir.path), ...names.map(async (n) => runCli(['init', '--home', join(dir.path, n)]))])
    relay = r
    for (const init of inits) expect(init.code, init.stderr).toBe(0)
    for (const n of names) {
      daemons[n] = await startDaemon(join(dir.path, n), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, ...(n === 'alice' ? [] : ['--bootstrap', daemons.alice.multiaddr])])
      tokens[n] = (await readFile(join(dir.path, n, 'api-token'), 'utf8')).trim()
    }
    await call('alice', 'POST', '/v1/contacts', { address: daemons.bob.address, name: 'Bob' })
    await call('alice', 'POST', '/v1/contacts', { address: daemons.carol.address, name: 'Carol' })
    await call('bob', 'POST', '/v1/contacts', { address: daemons.alice.address, name: 'Alice' })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 120_000)

  afterAll(async () => {
    for (const t of taps) t.close()
    await browser?.close()
    await Promise.all(Object.values(daemons).map(async (d) => d.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('create from contacts, sender names, read by 2 of 2, files offered, members panel, lines in words, removed and left', async () => {
    const [bobTap, carolTap] = await Promise.all([tapEvents(daemons.bob.apiUrl, tokens.bob), tapEvents(daemons.carol.apiUrl, tokens.carol)])
    taps.push(bobTap, carolTap)
    const alice = await pageOf('alice')

    // create: a name and two contacts picked from the list
    await alice.getByRole('button', { name: 'New group' }).click()
    expect(await seriousA11yViolations(alice)).toEqual([])
    await alice.getByLabel('Group name').fill('Trip')
    await alice.getByRole('checkbox', { name: /Bob/ }).check()
    await alice.getByRole('checkbox', { name: /Carol/ }).check()
    const bobJoined = bobTap.next('group-updated', (d) => d.group.name === 'Trip', 60_000)
    const carolJoined = carolTap.next('group-updated', (d) => d.group.name === 'Trip', 60_000)
    await alice.getByRole('button', { name: 'Create group' }).click()
    const entry = alice.locator('#contact-list button[data-group]', { hasText: 'Trip' })
    await entry.waitFor(WAIT)
    expect(await entry.locator('.meta').textContent()).toBe('group · 3 members · admin')
    await expect.poll(async () => alice.locator('#chat-title').textContent(), { timeout: 30_000 }).toBe('Trip')
    expect(await alice.locator('#chat-sub').textContent()).toBe('3 members: You, Bob, Carol')
    const id = (await bobJoined).group.id as string
    await carolJoined

    // a message to the group; Bob answers: his name is on his message
    const atBob = bobTap.next('message', (d) => d.message.conversationId === id && d.message.text === 'Who brings the map?', 60_000)
    const atCarol = carolTap.next('message', (d) => d.message.conversationId === id && d.message.text === 'Who brings the map?', 60_000)
    await alice.getByRole('textbox', { name: 'Message' }).fill('Who brings the map?')
    await alice.keyboard.press('Enter')
    await Promise.all([atBob, atCarol])
    await call('bob', 'POST', `/v1/conversations/${id}/messages`, { text: 'I will' })
    const reply = alice.locator('.msg.in', { hasText: 'I will' })
    await reply.waitFor(WAIT)
    expect(await reply.locator('.sender').textContent()).toBe('Bob')

    // both read it: "read by 2 of 2" under Alice's message
    await call('bob', 'POST', `/v1/conversations/${id}/read`)
    await call('carol', 'POST', `/v1/conversations/${id}/read`)
    const mine = alice.locator('.msg.out', { hasText: 'Who brings the map?' })
    await mine.locator('.receipts', { hasText: 'read by 2 of 2' }).waitFor(WAIT)
    // its ticks say only the first hop: one member's receipt must never read as "read" for all
    expect(await mine.locator('.ticks').getAttribute('data-status')).toMatch(/^(sent|stored)$/)

    // files and voice notes are offered in groups as in chats (members' devices take them: tests/messenger/groups/groups.test.ts)
    expect(await alice.getByRole('button', { name: 'Attach' }).isDisabled()).toBe(false)

    // Bob's own web UI shows the group, then learns he was removed
    const bob = await pageOf('bob')
    await bob.locator('#contact-list button[data-group]', { hasText: 'Trip' }).click()
    await bob.locator('.msg.in', { hasText: 'Who brings the map?' }).locator('.sender', { hasText: 'Alice' }).waitFor(WAIT)

    // the members panel: Carol made an admin, Bob removed (confirmed), each a line in the chat
    await alice.getByRole('button', { name: 'Members', exact: true }).click()
    const panel = alice.locator('#group-dialog')
    expect(await seriousA11yViolations(alice)).toEqual([])
    await panel.getByRole('button', { name: 'Make admin: Carol' }).click()
    await panel.locator('li', { hasText: 'Carol' }).locator('.meta', { hasText: 'admin' }).waitFor()
    await alice.locator('.msg.line', { hasText: 'Carol is now an admin' }).waitFor()
    await panel.getByRole('button', { name: 'Remove Bob' }).click()
    await panel.locator('#group-summary', { hasText: '2 members' }).waitFor()
    expect(await panel.locator('li[data-address]').count()).toBe(2)
    await panel.getByRole('button', { name: 'Close' }).click()
    await alice.locator('.msg.line', { hasText: 'Bob is no longer in the group' }).waitFor()
    expect(await alice.locator('#chat-sub').textContent()).toBe('2 members: You, Carol')
    await bob.locator('.msg.line', { hasText: 'You were removed from the group' }).waitFor(WAIT)
    expect(await bob.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true)
    expect(await bob.locator('#chat-sub').textContent()).toBe('You were removed from this group')
    expect(await seriousA11yViolations(bob)).toEqual([])

    // rename and timer from the header; Carol (now an admin) renames it too: Alice reads each
    await alice.getByRole('button', { name: 'Rename', exact: true }).click()
    await alice.getByLabel('New name').fill('Trip to the lake')
    await alice.getByLabel('New name').press('Enter')
    await alice.locator('.msg.line', { hasText: 'The group was renamed to “Trip to the lake”' }).waitFor()
    await alice.getByLabel('Disappearing').selectOption({ label: '1 hour' })
    await alice.locator('.msg.line', { hasText: 'Disappearing messages set to 1 hour' }).waitFor()
    await carolTap.next('group-updated', (d) => d.group.id === id && d.group.timerMs === 3_600_000, 60_000)
    await call('carol', 'PATCH', `/v1/groups/${id}`, { name: 'Lake' })
    await alice.locator('.msg.line', { hasText: 'The group was renamed to “Lake”' }).waitFor(WAIT)
    await alice.locator(`#contact-list button[data-group="${id}"] .name`, { hasText: 'Lake' }).waitFor()

    // leaving: confirmed, then the chat says so and takes no more messages
    await alice.getByRole('button', { name: 'Members', exact: true }).click()
    await panel.getByRole('button', { name: 'Leave group' }).click()
    await alice.locator('.msg.line', { hasText: 'You left the group' }).waitFor()
    await panel.getByRole('button', { name: 'Close' }).click()
    expect(await alice.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true)
    expect(await alice.locator('#contact-list button[data-group] .meta').textContent()).toBe('group · you left')
    expect(errors).toEqual([])
  }, 300_000)
})
