import { createRequire } from 'node:module'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactView, ConversationView, MessageView } from '../../src/messenger/types.js'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from './helpers.js'
import { documentedRoutes, samplePath } from './openapi-check.js'

const artifacts = new URL('../artifacts/', import.meta.url).pathname
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** axe-core in the page: the serious and critical violations, as readable lines. */
async function audit (page: import('playwright-core').Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath })
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string, impact: string, help: string, nodes: Array<{ target: string[] }> }> }> } }).axe.run(document, { resultTypes: ['violations'] })
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
  })
}

describe('two real daemons: API, live events and the web UI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let browser: Browser | undefined
  const taps: EventTap[] = []
  const tokens = new Map<TestDaemon, string>()
  const call = async <T>(d: TestDaemon, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(d.apiUrl + path, { method, headers: { authorization: `Bearer ${tokens.get(d)!}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return (text !== '' ? JSON.parse(text) : undefined) as T
  }
  const tap = async (d: TestDaemon): Promise<EventTap> => { const t = await tapEvents(d.apiUrl, tokens.get(d)!); taps.push(t); return t }

  beforeAll(async () => {
    dir = await tempDir('parley-live-')
    const [r, a, b] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', join(dir.path, 'alice')]), runCli(['init', '--home', join(dir.path, 'bob')])])
    relay = r
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(join(dir.path, 'bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    for (const d of [alice, bob]) tokens.set(d, (await readFile(join(d.home, 'api-token'), 'utf8')).trim())
    await call<ContactView>(alice, 'POST', '/v1/contacts', { address: bob.address, name: 'Bob' })
    await call<ContactView>(bob, 'POST', '/v1/contacts', { address: alice.address, name: 'Alice' })
  })

  afterAll(async () => {
    taps.forEach((t) => { t.close() })
    await browser?.close()
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('requires the token on every documented route of the real daemon', async () => {
    for (const route of await documentedRoutes()) {
      const [method, path] = route.split(' ')
      const res = await fetch(alice!.apiUrl + samplePath(path), { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
      await res.body?.cancel()
      if (path === '/v1/login') expect(res.status).toBe(400)
      else expect(res.status, route).toBe(401)
    }
  })

  it('streams a message event over SSE when the other daemon sends, and delivery states to the sender', async () => {
    const [aliceEvents, bobEvents] = await Promise.all([tap(alice!), tap(bob!)])
    const conversation = await call<ConversationView>(bob!, 'POST', `/v1/contacts/${bob && alice!.address}/conversation`)
    const incoming = aliceEvents.next('message', (d) => d.message.text === 'over SSE')
    const { message } = await call<{ message: MessageView }>(bob!, 'POST', `/v1/conversations/${conversation.id}/messages`, { text: 'over SSE' })
    const delivered = bobEvents.next('delivery', (d) => d.messageId === message.id && ['sent', 'stored', 'delivered'].includes(d.state))
    const event = await incoming
    expect(event.message).toMatchObject({ id: message.id, direction: 'in', sender: bob!.address, text: 'over SSE', kind: 'text' })
    expect((await delivered).conversationId).toBe(conversation.id)
  })

  it('web UI: logs in with the one-time link, shows the contact and a live message, sends one back', async () => {
    await mkdir(artifacts, { recursive: true })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } })
    const consoleErrors: string[] = []
    page.on('pageerror', (err) => { consoleErrors.push(err.message) })
    await page.goto(alice!.loginUrl)
    await page.getByRole('button', { name: /^Bob\b/ }).waitFor()

    // a message while the conversation is closed: the unread count shows up live
    const bobConversation = await call<ConversationView>(bob!, 'POST', `/v1/contacts/${alice!.address}/conversation`)
    await call(bob!, 'POST', `/v1/conversations/${bobConversation.id}/messages`, { text: 'Are you there?' })
    await page.getByRole('button', { name: /^Bob\b.* \d+ unread$/ }).click()
    await page.getByRole('heading', { name: 'Bob' }).waitFor()
    await page.getByText('Are you there?').waitFor()

    // with the conversation open, a new message appears live
    await call(bob!, 'POST', `/v1/conversations/${bobConversation.id}/messages`, { text: 'Hi Alice, from Bob\'s daemon' })
    await page.getByText('Hi Alice, from Bob\'s daemon').waitFor()
    await page.getByRole('button', { name: /^Bob\b(?!.*unread)/ }).waitFor()

    const bobEvents = await tap(bob!)
    const reply = bobEvents.next('message', (d) => d.message.text === 'Hello Bob, from the web UI')
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello Bob, from the web UI')
    await page.keyboard.press('Enter')
    expect((await reply).message.sender).toBe(alice!.address)
    await page.getByText('Hello Bob, from the web UI').waitFor()
    await page.locator('.msg.out .ticks:not([data-status="queued"])').last().waitFor()
    await page.getByText('Hello Bob, from the web UI').hover()
    await page.screenshot({ path: join(artifacts, 'web-ui.png') })

    // safety number dialog: 60 digits in 12 groups, then mark verified
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.locator('#safety-digits').filter({ hasText: /\d{5}/ }).waitFor()
    expect((await page.locator('#safety-digits').textContent())?.replace(/\s/g, '')).toMatch(/^\d{60}$/)
    await page.getByRole('button', { name: 'They match: mark verified' }).click()
    await page.getByText(/^verified ·/).waitFor()

    // delete for both from the UI reaches Bob
    const replyId = (await reply).message.id as string
    const deleted = bobEvents.next('messages-deleted', (d) => d.ids.includes(replyId))
    page.once('dialog', (dialog) => { void dialog.accept() })
    await page.locator(`li[data-id="${replyId}"]`).hover()
    await page.locator(`li[data-id="${replyId}"]`).getByRole('button', { name: 'Delete for both' }).click()
    await deleted
    await page.locator(`li[data-id="${replyId}"]`).waitFor({ state: 'detached' })

    // disappearing timer: new messages carry an expiry
    await page.getByLabel('Disappearing').selectOption({ label: '5 minutes' })
    await page.getByRole('textbox', { name: 'Message' }).fill('this one disappears')
    await page.keyboard.press('Enter')
    await page.locator('.msg.out', { hasText: 'this one disappears' }).getByText(/^disappears in \d+m$/).waitFor()

    // secret chat: Alice asks, Bob accepts over the API, the header follows live
    await page.getByRole('button', { name: 'Secret chat', exact: true }).click()
    await page.getByRole('heading', { name: 'Secret chat with Bob' }).waitFor()
    await page.getByText(/^secret chat: pending/).waitFor()
    const secret = await bobEvents.next('conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming')
    await call(bob!, 'POST', `/v1/conversations/${secret.conversation.id}/accept`)
    await page.getByText(/^secret chat: active/).waitFor()
    await page.screenshot({ path: join(artifacts, 'web-ui-secret.png') })

    // the login link worked once only
    const again = await browser.newPage()
    await again.goto(alice!.loginUrl)
    await again.getByText('already used or has expired').waitFor()
    expect(consoleErrors).toEqual([])
  })

  it('web UI (issue #17): timer and screenshot lines, named ticks, rename, QR codes, notifications, axe audit', async () => {
    browser ??= await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    // bypassCSP: only so that the test can inject axe-core; the app's own scripts are same-origin
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, bypassCSP: true })
    await context.grantPermissions(['notifications'])
    // the page's Notification (granted) records what it shows; the test decides whether the tab is hidden
    await context.addInitScript(() => {
      const w = window as unknown as { notes: Array<{ title: string, body: string }>, hideTab: boolean }
      w.notes = []
      w.hideTab = false
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => w.hideTab })
      class Recording { static permission = 'granted'; static requestPermission = async (): Promise<string> => 'granted'; onclick: unknown = null; constructor (title: string, o: { body: string }) { w.notes.push({ title, body: o.body }) } close (): void {} }
      Object.defineProperty(window, 'Notification', { configurable: true, value: Recording })
    })
    const page = await context.newPage()
    const consoleErrors: string[] = []
    page.on('pageerror', (err) => { consoleErrors.push(err.message) })
    const { url } = await call<{ url: string }>(alice!, 'POST', '/v1/login-links')
    await page.goto(url)
    await page.getByRole('button', { name: /^Bob/ }).first().click()
    await page.getByRole('heading', { name: 'Bob', exact: true }).waitFor()

    // a timer set by the other side shows as a line in the chat
    const bobConversation = await call<ConversationView>(bob!, 'POST', `/v1/contacts/${alice!.address}/conversation`)
    await call(bob!, 'PATCH', `/v1/conversations/${bobConversation.id}`, { disappearingTimerMs: 3_600_000 })
    await page.getByText('Bob set disappearing messages to 1 hour').waitFor()
    await page.getByLabel('Disappearing').selectOption({ label: 'Off' })
    await page.getByText('You turned off disappearing messages').waitFor()
    // the lines are stored notices, each shown once: still there, once, after a reload
    // (an earlier test set 5 minutes: that line is there too)
    const timerLines = async (): Promise<string[]> => (await page.locator('#messages .msg.notice .text').allTextContents()).filter((t) => t.includes('disappearing messages'))
    const expected = ['You set disappearing messages to 5 minutes', 'Bob set disappearing messages to 1 hour', 'You turned off disappearing messages']
    expect(await timerLines()).toEqual(expected)
    await page.reload()
    await page.getByRole('button', { name: /^Bob/ }).first().click()
    await page.getByRole('heading', { name: 'Bob', exact: true }).waitFor()
    await page.getByText('You turned off disappearing messages').waitFor()
    expect(await timerLines()).toEqual(expected)
    // and `parley messages` prints them too
    const printed = await runCli(['messages', bob!.address, '--home', alice!.home])
    expect(printed.stdout).toMatch(/Bob set disappearing messages to 1 hour/)
    expect(printed.stdout).toMatch(/You turned off disappearing messages/)

    // ticks: each state named; the first hop in words
    await page.getByRole('textbox', { name: 'Message' }).fill('named ticks')
    await page.keyboard.press('Enter')
    const ticks = page.locator('.msg.out', { hasText: 'named ticks' }).locator('.ticks')
    await expect.poll(async () => ticks.getAttribute('aria-label'), { timeout: 30_000 }).toMatch(/^(Sent|Stored at relay|Delivered|Read)$/)

    // rename: a dialog, Enter saves
    await page.getByRole('button', { name: 'Rename' }).click()
    await page.getByRole('textbox', { name: 'New name', exact: true }).fill('Bobby')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Bobby', exact: true }).waitFor()
    expect((await call<ContactView>(alice!, 'GET', `/v1/contacts/${bob!.address}`)).name).toBe('Bobby')

    // the invite link and a device-link code as QR images; Escape closes the dialog
    await page.getByRole('button', { name: 'Show QR code' }).click()
    const qr = page.getByRole('img', { name: 'QR code: Your invite link' })
    await qr.waitFor()
    expect(await qr.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0)
    expect(await audit(page)).toEqual([])
    await page.keyboard.press('Escape')
    await qr.waitFor({ state: 'hidden' })
    await page.getByRole('button', { name: 'Link a device' }).click()
    await page.getByRole('img', { name: 'QR code: Device-link code' }).waitFor()
    await page.keyboard.press('Escape')

    // a screenshot notice in the secret chat reads as a sentence
    const secret = (await call<{ items: ConversationView[] }>(bob!, 'GET', '/v1/conversations?limit=500')).items.find((c) => c.kind === 'secret' && c.secretState === 'active')
    if (secret == null) throw new Error('no active secret chat between Bob and Alice')
    await call(bob!, 'POST', `/v1/conversations/${secret.id}/screenshot`)
    await page.getByRole('button', { name: /^Secret chat with Bobby/ }).click()
    // up to 90 s: one CI run saw this notice take over 30 s to reach Alice (the page was fine; the
    // delivery path's cause unknown — a relay deposit waits for the next 60 s drain if the push is
    // missed); on failure, both sides' view of the secret chat says where it stopped
    await page.getByText('Bobby took a screenshot').first().waitFor({ timeout: 90_000 }).catch(async (err: unknown) => {
      const bobSide = await call<{ items: unknown[] }>(bob!, 'GET', `/v1/conversations/${secret.id}/messages?limit=5`).catch((e: unknown) => String(e))
      const aliceSide = await call<{ items: unknown[] }>(alice!, 'GET', `/v1/conversations/${secret.id}/messages?limit=5`).catch((e: unknown) => String(e))
      throw new Error(`${String(err)}\nBob's secret chat: ${JSON.stringify(bobSide)}\nAlice's: ${JSON.stringify(aliceSide)}`)
    })

    // a message arriving while the tab is hidden: a notification (permission granted)
    await page.getByRole('button', { name: /^Bobby\b/ }).click()
    await page.evaluate(() => { (window as unknown as { hideTab: boolean }).hideTab = true })
    await call(bob!, 'POST', `/v1/conversations/${bobConversation.id}/messages`, { text: 'while you were away' })
    await expect.poll(async () => page.evaluate(() => (window as unknown as { notes: unknown[] }).notes), { timeout: 30_000 }).toEqual([{ title: 'Bobby', body: 'while you were away' }])
    await page.evaluate(() => { (window as unknown as { hideTab: boolean }).hideTab = false })

    expect(await audit(page)).toEqual([])
    expect(consoleErrors).toEqual([])
    await context.close()
  }, 180_000)
})
