/**
 * Regenerates the screenshot gallery in docs/gallery/ (light and dark, `prefers-color-scheme`
 * emulated by Playwright in Debian's Chromium):
 *   web-ui-*.png   the daemon's web UI: three real daemons and a relay on 127.0.0.1 exchange
 *                  messages, a timer is changed by the other side, files, a group (members
 *                  panel, membership lines, receipts, picture and invite link), a channel (owner,
 *                  follower, reactions and views, admins, share),
 *                  and the narrow (phone) layout
 *   element-*.png  <parley-chat> from dist/browser with an in-page demo messenger showing every
 *                  kind of message and delivery state; its QR dialog; a second tab refused
 *
 *   npm run build:browser && npx tsx scripts/screenshots.ts
 */
import { mkdir, readFile, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { chromiumArgs, chromiumPath } from '../vitest.config.js'
import { runCli, startDaemon, startRelay, type TestDaemon } from '../tests/daemon/helpers.js'
import { tempDir } from '../tests/helpers/network.js'

const root = resolve(import.meta.dirname, '..')
const out = join(root, 'docs', 'gallery')
const bundles = join(root, 'dist', 'browser')
const schemes = ['light', 'dark'] as const
const VIEWPORT = { width: 960, height: 700 }

/** `GALLERY_ONLY=web-ui-files` regenerates only the scenes whose name starts with it. */
const only = process.env.GALLERY_ONLY
/** Whether scenes named `prefix…` are wanted (GALLERY_ONLY a prefix of it, or it of GALLERY_ONLY). */
const wanted = (prefix: string): boolean => only == null || prefix.startsWith(only) || only.startsWith(prefix)

/** A phone's viewport (CSS pixels), for the narrow scenes. */
const PHONE = { width: 390, height: 844 }

async function shoot (browser: Browser, name: string, scene: (page: Page) => Promise<void>, viewport = VIEWPORT): Promise<void> {
  if (only != null && !name.startsWith(only)) return
  for (const scheme of schemes) {
    const page = await browser.newPage({ viewport, colorScheme: scheme })
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    await scene(page).catch((err: unknown) => { throw new Error(`${name} (${scheme}): ${String(err)}${errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : ''}`) })
    await page.screenshot({ path: join(out, `${name}-${scheme}.png`) })
    if (errors.length > 0) throw new Error(`${name} (${scheme}): ${errors.join('; ')}`)
    await page.close()
  }
}

// ------------------------------------------------------------------ the element

/** The element bundle served from dist/browser under a fake origin; `parley.js` replaced when given. */
async function elementPage (page: Page, body: string, parleyStub?: string): Promise<void> {
  await page.route('http://gallery.test/**', async (route) => {
    const path = new URL(route.request().url()).pathname
    if (path === '/') { await route.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head><title>Parley element</title><link rel="icon" href="data:,"><style>body{margin:0;padding:16px;background:Canvas;color:CanvasText;color-scheme:light dark}parley-chat{height:660px}</style></head><body>${body}<script type="module" src="/parley-chat.js"></script></body></html>` }); return }
    if (path === '/parley.js' && parleyStub != null) { await route.fulfill({ contentType: 'text/javascript', body: parleyStub }); return }
    const file = await readFile(join(bundles, path.slice(1))).catch(() => undefined)
    await (file == null ? route.fulfill({ status: 404, body: 'not found' }) : route.fulfill({ contentType: 'text/javascript', body: file }))
  })
  // tsx keeps function names with a `__name` helper: give the page one for the functions evaluated in it
  await page.addInitScript('globalThis.__name = (f) => f')
  await page.goto('http://gallery.test/')
  await page.waitForFunction(() => customElements.get('parley-chat') != null)
}

/** In the page: a scripted messenger (the MessengerApi surface the element uses) with a full conversation. */
function demoMessenger (): void {
  const ME = '37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg'
  const BOB = '4kbiFMz7TyW92XA85cmmkrkXDg9MKpHq85kVoJ6XsBSHfxr5oX'
  const CONV = 'c'.repeat(32)
  const GROUP = 'a'.repeat(32)
  const groupList: Array<Record<string, unknown>> = []
  const now = Date.now()
  const msg = (id: string, init: Record<string, unknown>): Record<string, unknown> => ({ id, conversationId: CONV, direction: 'out', sender: ME, sentAt: now, clock: 0, kind: 'text', reactions: {}, status: 'read', expiresAt: null, forwardable: true, ...init })
  const list = [
    msg('1', { direction: 'in', sender: BOB, status: 'received', text: 'Hi! Did the invite link work?', sentAt: now - 600_000, clock: 1, reactions: { '👍': [ME] } }),
    msg('2', { text: 'It did: scanned the QR code.', sentAt: now - 540_000, clock: 2, status: 'read', route: 'direct' }),
    msg('3', { direction: 'in', sender: BOB, status: 'received', text: 'Great. Lunch on Friday?', sentAt: now - 300_000, clock: 3, editHistory: ['Lunch on Thursday?'] }),
    msg('4', { text: 'Friday works', sentAt: now - 240_000, clock: 4, status: 'delivered', replyTo: '3', route: 'relay' }),
    msg('5', { text: 'I will book a table', sentAt: now - 120_000, clock: 5, status: 'stored' }),
    msg('6', { text: 'Sent straight to your phone', sentAt: now - 60_000, clock: 6, status: 'sent', expiresAt: now + 3_600_000 }),
    msg('7', { direction: 'in', sender: BOB, status: 'received', kind: 'notice', text: 'took a screenshot', sentAt: now - 30_000, clock: 7 }),
    msg('8', { text: 'this one did not make it', sentAt: now - 10_000, clock: 8, status: 'failed' }),
    msg('9', { text: 'On my way', sentAt: now - 5_000, clock: 9, status: 'queued', lastError: 'ERR_UNREACHABLE' })
  ]
  const conversations = [
    { id: CONV, kind: 'normal', peer: BOB, title: 'Bob', lastActivity: now, unreadCount: 0, disappearingTimerMs: 3_600_000 },
    { id: 'd'.repeat(32), kind: 'normal', peer: ME.replace('3', '5'), title: 'Carol', lastActivity: now - 1e6, unreadCount: 2, disappearingTimerMs: null }
  ]
  const contacts = [
    { address: BOB, name: 'Bob', verification: 'verified', blocked: false, addedAt: 1 },
    { address: ME.replace('3', '5'), name: 'Carol', verification: 'unverified', blocked: false, addedAt: 2 }
  ]
  const events = new EventTarget()
  const api = Object.assign(events, {
    address: ME,
    inviteLink: () => `parley:${ME}`,
    listContacts: async () => contacts,
    conversations: async () => ({ items: conversations }),
    getConversation: async (id: string) => conversations.find((c) => c.id === id),
    conversationWith: async () => conversations[0],
    messages: async (id: string) => ({ items: id === CONV ? [...list].reverse() : id === GROUP ? [...groupList].reverse() : [] }),
    markRead: async () => {},
    reachability: () => ({ state: 'online', reasons: [], peers: 3, dhtPeers: 3, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    search: async (q: string) => ({ hits: list.filter((m) => String(m.text ?? '').toLowerCase().includes(q.toLowerCase())).map((message) => ({ message, conversationTitle: 'Bob' })), complete: true }),
    emit: (type: string, detail: unknown) => { events.dispatchEvent(new CustomEvent(type, { detail })) },
    // groups and devices (issues #19, #20)
    group: async () => group,
    groupReceipts: async (_id: string, messageId: string) => messageId === 'g3' ? { delivered: 3, read: 2 } : messageId === 'g5' ? { delivered: 1, read: 0 } : { delivered: 0, read: 0 },
    devices: async () => devices,
    deviceLinkRequests: () => [],
    confirmDeviceLink: async () => {},
    // group invite links, join requests and picture (issue #20)
    groupLinks: async () => [{ linkId: '1'.repeat(32), creator: ME, expiresAt: now + 6 * 86_400_000 }],
    groupJoinRequests: async () => [{ address: '2a9G8XqXj4RzR4ozHcqKrwZaTvDvpkLZd1ckEz7KJ9fVkCkyF3', linkId: '1'.repeat(32), at: now - 120_000 }],
    createGroupLink: async () => ({ link: `parley://group/${'Cg8Kd2hhdCBhIGxpbmsgbG9va3MgbGlrZQ'.repeat(3)}`, linkId: '2'.repeat(32), creator: ME, expiresAt: now + 7 * 86_400_000 }),
    groupPicture: async () => null
  })
  const CAROL = ME.replace('3', '5')
  const DAVE = '2a9G8XqXj4RzR4ozHcqKrwZaTvDvpkLZd1ckEz7KJ9fVkCkyF3'
  contacts.push({ address: DAVE, name: 'Dave', verification: 'unverified', blocked: false, addedAt: 3 })
  const group = { id: GROUP, name: 'Climbing trip', self: 'member', timerMs: 0, members: [{ address: ME, role: 'admin' }, { address: BOB, role: 'member' }, { address: CAROL, role: 'admin' }, { address: '4dqJTp6W3JDVvwRJVupDwNGW1Y7Rf4Mn53PBhVkvjd9xPNUeY9', role: 'member' }] }
  conversations.splice(1, 0, { id: GROUP, kind: 'group', peer: '', title: group.name, lastActivity: now - 1000, unreadCount: 1, disappearingTimerMs: null })
  const gmsg = (id: string, init: Record<string, unknown>): Record<string, unknown> => msg(id, { conversationId: GROUP, ...init })
  groupList.push(
    gmsg('g1', { direction: 'in', sender: CAROL, status: 'received', text: 'Saturday at the crag? Forecast is dry.', sentAt: now - 900_000, clock: 1 }),
    gmsg('g2', { direction: 'in', sender: BOB, status: 'received', text: 'In. I can drive two.', sentAt: now - 800_000, clock: 2, reactions: { '👍': [ME, CAROL] } }),
    gmsg('g3', { text: 'Count me in, I will bring the rope', sentAt: now - 700_000, clock: 3, status: 'read' }),
    gmsg('g4', { direction: 'in', sender: '4dqJTp6W3JDVvwRJVupDwNGW1Y7Rf4Mn53PBhVkvjd9xPNUeY9', status: 'received', text: 'Sorry, new here: which crag?', sentAt: now - 400_000, clock: 4 }),
    gmsg('g5', { text: 'The one by the lake, 9:00', sentAt: now - 60_000, clock: 5, status: 'delivered' })
  )
  const devices = [
    { id: 'd1', deviceKey: 'd1', peerId: 'p1', name: 'Firefox on the laptop', platform: 'browser', addedAt: now - 40 * 86_400_000, lastSeen: now, thisDevice: true },
    { id: 'd2', deviceKey: 'd2', peerId: 'p2', name: 'Home server', platform: 'node', addedAt: now - 90 * 86_400_000, lastSeen: now - 300_000, thisDevice: false },
    { id: 'd3', deviceKey: 'd3', peerId: 'p3', name: 'Phone', platform: 'node', addedAt: now - 2 * 86_400_000, lastSeen: null, thisDevice: false }
  ]
  const el = document.querySelector('parley-chat') as unknown as { messenger: unknown, openConversation: (id: string) => Promise<void> }
  el.messenger = api
  ;(window as unknown as { demo: unknown }).demo = { api, el, CONV, BOB, GROUP, conversations }
}

async function elementScenes (browser: Browser): Promise<void> {
  await shoot(browser, 'element', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.evaluate(async () => {
      const demo = (window as unknown as { demo: { api: { emit: (t: string, d: unknown) => void }, el: { openConversation: (id: string) => Promise<void> }, CONV: string, BOB: string, conversations: Array<Record<string, unknown>> } }).demo
      await demo.el.openConversation(demo.CONV)
      demo.api.emit('delivery', { conversationId: demo.CONV, messageId: '8', state: 'failed', reason: 'no relay reachable' })
      demo.conversations[0].disappearingTimerMs = 86_400_000
      demo.api.emit('conversation-updated', { conversation: { ...demo.conversations[0] } })
      demo.api.emit('typing', { conversationId: demo.CONV, from: demo.BOB, typing: true })
    })
    await page.locator('parley-chat').getByText('Bob is typing…').waitFor()
  })
  await shoot(browser, 'element-offline', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.evaluate(async () => {
      const demo = (window as unknown as { demo: { api: { emit: (t: string, d: unknown) => void }, el: { openConversation: (id: string) => Promise<void> }, CONV: string } }).demo
      await demo.el.openConversation(demo.CONV)
      const reason = 'relay unreachable: WebSocket connection failed (/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7…)'
      demo.api.emit('reachability', { reachability: { state: 'offline', reasons: [reason, 'no relay reservation: other devices cannot reach this one', 'no peers connected'], peers: 0, dhtPeers: 0, reservations: 0, needsReservation: true, relays: [], browsers: { reachable: true } } })
    })
    await page.locator('parley-chat').locator('#search').fill('friday')
    await page.locator('parley-chat').locator('#search').press('Enter')
    await page.locator('parley-chat').getByText('waiting: relay unreachable').waitFor()
    await page.locator('parley-chat [part="search-item"]').first().waitFor()
  })
  await shoot(browser, 'element-qr', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.locator('parley-chat').getByRole('button', { name: 'Show QR code' }).click()
    await page.locator('parley-chat').getByRole('img', { name: 'QR code of your invite link' }).waitFor()
  })
  type Demo = { api: { emit: (t: string, d: unknown) => void }, el: { openConversation: (id: string) => Promise<void> }, GROUP: string }
  const openGroup = async (page: Page): Promise<void> => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.evaluate(async () => { const demo = (window as unknown as { demo: Demo }).demo; await demo.el.openConversation(demo.GROUP) })
    await page.locator('parley-chat').getByText('read by 2 of 3').waitFor()
  }
  await shoot(browser, 'element-group', openGroup)
  await shoot(browser, 'element-group-members', async (page) => {
    await openGroup(page)
    await page.locator('parley-chat').getByRole('button', { name: 'Members' }).click()
    await page.locator('parley-chat').getByRole('button', { name: 'Leave group' }).waitFor()
  })
  await shoot(browser, 'element-group-invites', async (page) => {
    await openGroup(page)
    await page.locator('parley-chat').getByRole('button', { name: 'Members' }).click()
    await page.locator('parley-chat').getByRole('button', { name: 'Approve Dave' }).waitFor()
    await page.locator('parley-chat').getByRole('heading', { name: 'Invite links' }).scrollIntoViewIfNeeded()
  })
  await shoot(browser, 'element-group-link', async (page) => {
    await openGroup(page)
    await page.locator('parley-chat').getByRole('button', { name: 'Members' }).click()
    await page.locator('parley-chat').getByRole('button', { name: 'New invite link' }).click()
    await page.locator('parley-chat').getByRole('img', { name: /QR code of an invite link/ }).waitFor()
  })
  await shoot(browser, 'element-group-new', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.locator('parley-chat').getByRole('button', { name: 'New group' }).click()
    await page.locator('parley-chat').getByLabel('Group name').fill('Book club')
    await page.locator('parley-chat').getByLabel('Bob').check()
  })
  await shoot(browser, 'element-devices', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.locator('parley-chat').getByRole('button', { name: 'Devices' }).click()
    await page.locator('parley-chat').getByText('3 of 6 devices on this account').waitFor()
  })
  await shoot(browser, 'element-link-request', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.evaluate(() => { (window as unknown as { demo: Demo }).demo.api.emit('device-link-request', { id: 'r1', sas: '417 093', deviceKey: 'k', peerId: 'p', expiresAt: Date.now() + 600_000 }) })
    await page.locator('parley-chat').getByText('417 093').waitFor()
  })
  await shoot(browser, 'element-narrow-group', openGroup, PHONE)
  await shoot(browser, 'element-narrow-devices', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.locator('parley-chat').getByRole('button', { name: 'Devices' }).click()
    await page.locator('parley-chat').getByText('3 of 6 devices on this account').waitFor()
  }, PHONE)
  await shoot(browser, 'element-second-tab', async (page) => {
    const stub = "export async function createParley () { const e = new Error('this Parley store is open in another tab'); e.name = 'StoreLockedError'; e.code = 'ERR_STORE_LOCKED'; throw e }"
    await elementPage(page, '<parley-chat relays="/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"></parley-chat>', stub)
    await page.locator('parley-chat').getByText('already open in another tab').waitFor()
  })
  // channels in the element (issue #21 item 5): a channel this account follows, open, with a live post
  await shoot(browser, 'element-channel', async (page) => {
    await elementPage(page, '<parley-chat></parley-chat>')
    await page.evaluate(demoMessenger)
    await page.evaluate(() => {
      const demo = (window as unknown as { demo: { api: Record<string, unknown> & { emit: (t: string, d: unknown) => void }, el: { messenger: unknown } } }).demo
      const now = Date.now()
      const ch = (id: string, name: string, init: Record<string, unknown>): Record<string, unknown> => ({ id, name, role: 'subscriber', private: false, link: `parley://channel/${'Cg8Kd2hhdCBhIGxpbmsgbG9va3M'.repeat(2)}`, head: 4, muted: false, admins: [], ...init })
      const p = (seq: number, text: string, init: Record<string, unknown> = {}): Record<string, unknown> => ({ channelId: 'e'.repeat(32), seq, text, author: 'ab', createdAt: now - (6 - seq) * 3_600_000, edited: false, deleted: false, reactions: {}, views: 0, ...init })
      const channels = [ch('e'.repeat(32), 'Lake news', {}), ch('f'.repeat(32), 'Climbing club notes', { role: 'owner', private: true }), ch('9'.repeat(32), 'Town hall', { muted: true })]
      const posts = [
        p(1, 'Parking at the boat house is free on weekends and holidays.', { edited: true, views: 41 }),
        p(2, '', { deleted: true }),
        p(3, 'Swimming season opens on Saturday: lifeguards from 10:00.', { reactions: { '👍': 12, '🎉': 4 }, views: 57 }),
        p(4, 'This summer\'s map of the shore', { file: { name: 'lake-map-2026.pdf', size: 482_133, mime: 'application/pdf', sha256: '', state: 'pending' }, views: 23 })
      ]
      Object.assign(demo.api, {
        channels: async () => channels,
        channelPosts: async () => posts,
        downloadChannelFile: async () => posts[3],
        readChannelFile: async function * () {}
      })
      demo.el.messenger = undefined
      demo.el.messenger = demo.api
    })
    await page.locator('parley-chat [data-channel]').first().click()
    await page.locator('parley-chat').getByText('Only the channel\'s owner and admins post here.').waitFor()
    await page.evaluate(() => {
      const demo = (window as unknown as { demo: { api: { emit: (t: string, d: unknown) => void } } }).demo
      demo.api.emit('channel-post', { channel: { id: 'e'.repeat(32), name: 'Lake news', role: 'subscriber', private: false, link: 'parley://channel/x', head: 5, muted: false, admins: [] }, post: { channelId: 'e'.repeat(32), seq: 5, text: 'Ice cream van at the north beach at noon.', author: 'ab', createdAt: Date.now(), edited: false, deleted: false, reactions: {}, views: 0 } })
    })
    await page.locator('parley-chat').getByText('Ice cream van').waitFor()
  })
}

// ------------------------------------------------------------------ the web UI

async function webUiScenes (browser: Browser): Promise<void> {
  const dir = await tempDir('parley-gallery-')
  const started: Array<{ stop: () => Promise<unknown> }> = []
  try {
    const relay = await startRelay(dir.path, { channels: { keep: 'all' } })
    started.push(relay)
    for (const who of ['alice', 'bob', 'carol']) {
      const init = await runCli(['init', '--home', join(dir.path, who)])
      if (init.code !== 0) throw new Error(init.stderr)
    }
    const alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    started.push(alice)
    const bob = await startDaemon(join(dir.path, 'bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    started.push(bob)
    const carol = await startDaemon(join(dir.path, 'carol'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    started.push(carol)
    const tokens = new Map<TestDaemon, string>()
    for (const d of [alice, bob, carol]) tokens.set(d, (await readFile(join(d.home, 'api-token'), 'utf8')).trim())
    const call = async <T>(d: TestDaemon, method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(d.apiUrl + path, { method, headers: { authorization: `Bearer ${tokens.get(d) ?? ''}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
      const text = await res.text()
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
      return (text !== '' ? JSON.parse(text) : undefined) as T
    }
    await call(alice, 'POST', '/v1/contacts', { address: bob.address, name: 'Bob' })
    await call(bob, 'POST', '/v1/contacts', { address: alice.address, name: 'Alice' })
    const bobSide = await call<{ id: string }>(bob, 'POST', `/v1/contacts/${alice.address}/conversation`)
    const aliceSide = await call<{ id: string }>(alice, 'POST', `/v1/contacts/${bob.address}/conversation`)
    await call(bob, 'POST', `/v1/conversations/${bobSide.id}/messages`, { text: 'Hi Alice! This comes from Bob\'s daemon.' })
    await call(alice, 'POST', `/v1/conversations/${aliceSide.id}/messages`, { text: 'Hello Bob, read and answered from the web UI.' })

    let round = 0
    await shoot(browser, 'web-ui', async (page) => {
      const { url } = await call<{ url: string }>(alice, 'POST', '/v1/login-links')
      await page.goto(url)
      await page.getByRole('button', { name: /^Bob\b/ }).click()
      await page.getByText('Hello Bob, read and answered from the web UI.').waitFor()
      await page.locator('.msg.out .ticks:not([data-status="queued"])').last().waitFor()
      // each scheme's round changes the timer again, so that each shows the line
      const ms = [3_600_000, 86_400_000][round++ % 2]
      await call(bob, 'PATCH', `/v1/conversations/${bobSide.id}`, { disappearingTimerMs: ms })
      // the earlier round's notice is stored too: wait for this round's (the newest)
      await page.getByText(`Bob set disappearing messages to ${ms === 3_600_000 ? '1 hour' : '1 day'}`).last().waitFor()
    })
    if (only == null || 'web-ui-files'.startsWith(only)) await filesScene(browser, alice, bob, call)
    await shoot(browser, 'web-ui-qr', async (page) => {
      const { url } = await call<{ url: string }>(alice, 'POST', '/v1/login-links')
      await page.goto(url)
      await page.getByRole('button', { name: 'Show QR code' }).click()
      await page.getByRole('img', { name: 'QR code: Your invite link' }).waitFor()
    })
    await groupScenes(browser, { alice, bob, carol }, call)
    await channelScenes(browser, { alice, bob }, call)
  } finally {
    for (const s of started.reverse()) await s.stop()
    await dir.cleanup()
  }
}

/** A 3 s voice-like WAV (8 kHz, 8-bit): a tone whose loudness rises and falls like speech. */
function voiceWav (): { bytes: Buffer, waveform: number[], durationMs: number } {
  const rate = 8000
  const n = rate * 3
  const envelope = (i: number): number => Math.abs(Math.sin(i / n * Math.PI * 5)) * (0.4 + 0.6 * Math.abs(Math.sin(i / n * 23)))
  const data = Buffer.alloc(n)
  for (let i = 0; i < n; i++) data[i] = 128 + Math.round(100 * envelope(i) * Math.sin(2 * Math.PI * 220 * i / rate))
  const head = Buffer.alloc(44)
  head.write('RIFF', 0); head.writeUInt32LE(36 + n, 4); head.write('WAVEfmt ', 8); head.writeUInt32LE(16, 16)
  head.writeUInt16LE(1, 20); head.writeUInt16LE(1, 22); head.writeUInt32LE(rate, 24); head.writeUInt32LE(rate, 28)
  head.writeUInt16LE(1, 32); head.writeUInt16LE(8, 34); head.write('data', 36); head.writeUInt32LE(n, 40)
  const waveform = Array.from({ length: 64 }, (_, k) => Math.round(255 * envelope(Math.floor((k + 0.5) * n / 64))))
  return { bytes: Buffer.concat([head, data]), waveform, durationMs: 3000 }
}

/** Alice sends a picture (file picker: the thumbnail is made by her browser), a PDF and a voice note; Bob's web UI shows them. */
async function filesScene (browser: Browser, alice: TestDaemon, bob: TestDaemon, call: <T>(d: TestDaemon, method: string, path: string, body?: unknown) => Promise<T>): Promise<void> {
  const page = await browser.newPage({ viewport: VIEWPORT })
  await page.goto((await call<{ url: string }>(alice, 'POST', '/v1/login-links')).url)
  await page.getByRole('button', { name: /^Bob\b/ }).click()
  const png = Buffer.from((await page.evaluate(() => {
    const canvas = document.createElement('canvas')
    canvas.width = 1200
    canvas.height = 800
    const g = canvas.getContext('2d')
    if (g == null) throw new Error('no 2d canvas')
    const sky = g.createLinearGradient(0, 0, 0, 800)
    sky.addColorStop(0, '#1d3f8f'); sky.addColorStop(0.6, '#f08a4b'); sky.addColorStop(1, '#f5c16c')
    g.fillStyle = sky; g.fillRect(0, 0, 1200, 800)
    g.fillStyle = '#ffe08a'; g.beginPath(); g.arc(600, 560, 130, 0, Math.PI * 2); g.fill()
    g.fillStyle = '#163056'; g.fillRect(0, 600, 1200, 200)
    return canvas.toDataURL('image/png')
  })).split(',')[1], 'base64')
  await page.locator('#file-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png })
  await page.getByRole('button', { name: 'Open picture sunset.png' }).waitFor()
  await page.locator('#file-input').setInputFiles({ name: 'trip-plan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n' + 'itinerary '.repeat(20_000)) })
  await page.getByRole('link', { name: 'Save trip-plan.pdf' }).waitFor()
  await page.close()
  const conversation = await call<{ id: string }>(alice, 'POST', `/v1/contacts/${bob.address}/conversation`)
  const voice = voiceWav()
  const { apiUrl } = alice
  const token = (await readFile(join(alice.home, 'api-token'), 'utf8')).trim()
  const res = await fetch(`${apiUrl}/v1/conversations/${conversation.id}/files?name=voice-note.wav&mime=audio%2Fwav&durationMs=${voice.durationMs}&waveform=${voice.waveform.join(',')}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(voice.bytes) })
  if (!res.ok) throw new Error(`voice note: ${res.status} ${await res.text()}`)
  await shoot(browser, 'web-ui-files', async (bobPage) => {
    await bobPage.goto((await call<{ url: string }>(bob, 'POST', '/v1/login-links')).url)
    await bobPage.getByRole('button', { name: /^Alice\b/ }).click()
    await bobPage.getByRole('button', { name: 'Open picture sunset.png' }).waitFor()
    await bobPage.getByRole('link', { name: 'Save trip-plan.pdf' }).waitFor()
    const play = bobPage.getByRole('button', { name: 'Play voice note, 0:03' })
    await play.waitFor()
    await bobPage.waitForFunction(() => document.querySelector('.voice-play')?.hasAttribute('disabled') === false)
    // stopped a second in: the waveform part played shows in the accent colour
    await play.click()
    await bobPage.waitForFunction(() => ((document.querySelector('.voice audio') as HTMLAudioElement | null)?.currentTime ?? 0) > 1.2)
    await bobPage.getByRole('button', { name: 'Pause voice note' }).click()
    await bobPage.mouse.move(0, 0)
    // the message's Delete buttons show while focus is inside it: take the focus away
    await bobPage.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur() })
  })
}

type Call = <T>(d: TestDaemon, method: string, path: string, body?: unknown) => Promise<T>

/** Logs `d` into its web UI in `page`. */
async function login (page: Page, d: TestDaemon, call: Call): Promise<void> {
  await page.goto((await call<{ url: string }>(d, 'POST', '/v1/login-links')).url)
  await page.locator('#network').waitFor()
}

/** Waits until `check` holds (polling the daemons' API: the scenes wait for what the pictures show). */
async function until (check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`gallery: gave up waiting for ${what}`)
}

/**
 * A group of three (Alice its admin): messages from each, "read by 2 of 2" under Alice's,
 * membership changes as lines; the members panel; the same at a phone's width.
 */
async function groupScenes (browser: Browser, d: { alice: TestDaemon, bob: TestDaemon, carol: TestDaemon }, call: Call): Promise<void> {
  if (!wanted('web-ui-group') && !wanted('web-ui-narrow-group')) return
  await call(d.alice, 'POST', '/v1/contacts', { address: d.carol.address, name: 'Carol' })
  await call(d.bob, 'POST', '/v1/contacts', { address: d.carol.address, name: 'Carol' })
  await call(d.carol, 'POST', '/v1/contacts', { address: d.alice.address, name: 'Alice' })
  await call(d.carol, 'POST', '/v1/contacts', { address: d.bob.address, name: 'Bob' })
  const group = await call<{ id: string }>(d.alice, 'POST', '/v1/groups', { name: 'Lake trip', members: [d.bob.address, d.carol.address] })
  const known = async (who: TestDaemon): Promise<boolean> => (await call<{ items: Array<{ id: string }> }>(who, 'GET', '/v1/groups')).items.some((g) => g.id === group.id)
  await until(async () => await known(d.bob) && await known(d.carol), 'the group at Bob and Carol')
  const say = async (who: TestDaemon, text: string): Promise<string> => (await call<{ message: { id: string } }>(who, 'POST', `/v1/conversations/${group.id}/messages`, { text })).message.id
  const arrived = async (who: TestDaemon, text: string): Promise<void> => {
    await until(async () => (await call<{ items: Array<{ text?: string }> }>(who, 'GET', `/v1/conversations/${group.id}/messages?limit=50`)).items.some((m) => m.text === text), `"${text}"`)
  }
  const mine = await say(d.alice, 'Who brings the map?')
  await arrived(d.bob, 'Who brings the map?')
  await arrived(d.carol, 'Who brings the map?')
  await say(d.bob, 'I will. And the thermos.')
  await say(d.carol, 'Snacks are on me 🥨')
  await arrived(d.alice, 'I will. And the thermos.')
  await arrived(d.alice, 'Snacks are on me 🥨')
  for (const who of [d.bob, d.carol]) await call(who, 'POST', `/v1/conversations/${group.id}/read`)
  await until(async () => (await call<{ read: number }>(d.alice, 'GET', `/v1/groups/${group.id}/messages/${mine}/receipts`)).read === 2, 'read by both')

  let pictured = false
  let round = 0
  /** Each round changes the group live (the lines are what a change looks like), then back on the next. */
  const changes = async (page: Page): Promise<void> => {
    const odd = round++ % 2 === 1
    await call(d.alice, 'PATCH', `/v1/groups/${group.id}`, { timerMs: odd ? 86_400_000 : 3_600_000 })
    await page.getByText(/^Disappearing messages set to/).waitFor()
    await call(d.alice, 'POST', `/v1/groups/${group.id}/${odd ? 'admins/remove' : 'admins'}`, { members: [d.carol.address] })
    await page.getByText(/^Carol is (now|no longer) an admin/).waitFor()
    await call(d.carol, 'POST', `/v1/conversations/${group.id}/messages`, { text: odd ? 'Saturday at nine, then.' : 'Saturday at nine?' })
    await page.getByText(odd ? 'Saturday at nine, then.' : 'Saturday at nine?').waitFor()
  }
  const openGroup = async (page: Page): Promise<void> => {
    await login(page, d.alice, call)
    await page.locator('#contact-list button[data-group]', { hasText: 'Lake trip' }).click()
    await page.locator('.receipts', { hasText: 'read by 2 of 2' }).waitFor()
  }
  await shoot(browser, 'web-ui-group', async (page) => {
    await openGroup(page)
    await changes(page)
    await page.mouse.move(0, 0)
  })
  await shoot(browser, 'web-ui-group-members', async (page) => {
    await openGroup(page)
    await page.getByRole('button', { name: 'Members', exact: true }).click()
    await page.locator('#group-members li', { hasText: 'Carol' }).waitFor()
  })
  await shoot(browser, 'web-ui-group-invite', async (page) => {
    if (!pictured) {
      // a picture (drawn by Chromium, 64×64 PNG), then the invite dialog with a live link and its QR code
      const draw = await browser.newPage()
      const png = await draw.evaluate(() => {
        const c = document.createElement('canvas')
        c.width = c.height = 64
        const g = c.getContext('2d') as CanvasRenderingContext2D
        const sky = g.createLinearGradient(0, 0, 0, 64)
        sky.addColorStop(0, '#7cc4f2'); sky.addColorStop(1, '#e8f4fb')
        g.fillStyle = sky; g.fillRect(0, 0, 64, 64)
        g.fillStyle = '#2f6b3f'; g.beginPath(); g.moveTo(0, 48); g.lineTo(22, 22); g.lineTo(40, 44); g.lineTo(52, 30); g.lineTo(64, 48); g.fill()
        g.fillStyle = '#2d7fb8'; g.fillRect(0, 48, 64, 16)
        return c.toDataURL('image/png').split(',')[1]
      })
      await draw.close()
      await call(d.alice, 'PUT', `/v1/groups/${group.id}/picture`, { mime: 'image/png', data: png })
      pictured = true
    }
    await openGroup(page)
    await page.getByRole('button', { name: 'Members', exact: true }).click()
    await page.locator('#group-picture[src^="data:image/png;base64,"]').waitFor()
    await page.locator('#group-dialog').getByRole('button', { name: 'Invite link' }).click()
    const invite = page.locator('#invite-dialog')
    await invite.getByRole('button', { name: 'Make a new link' }).click()
    await invite.locator('#invite-qr[src^="data:image/svg+xml"]').waitFor()
  })
  await shoot(browser, 'web-ui-narrow-group', async (page) => {
    await openGroup(page)
    await page.locator('.msg.in', { hasText: 'Snacks' }).scrollIntoViewIfNeeded()
  }, PHONE)
}

/** A channel Alice owns (posts, one edited, one deleted), Bob following it by its link, the link's QR code, a bad link. */
async function channelScenes (browser: Browser, d: { alice: TestDaemon, bob: TestDaemon }, call: Call): Promise<void> {
  if (!wanted('web-ui-channel') && !wanted('web-ui-narrow-channel')) return
  const channel = await call<{ id: string, link: string }>(d.alice, 'POST', '/v1/channels', { name: 'Lake news' })
  const post = async (text: string): Promise<number> => (await call<{ seq: number }>(d.alice, 'POST', `/v1/channels/${channel.id}/posts`, { text })).seq
  await post('The ice on the north shore is 15 cm thick: skating is allowed from Saturday.')
  const typo = await post('Parking at the boat house is free on weekends.')
  await call(d.alice, 'PATCH', `/v1/channels/${channel.id}/posts/${typo}`, { text: 'Parking at the boat house is free on weekends and holidays.' })
  const wrong = await post('Ice-fishing contest on Sunday (cancelled)')
  await call(d.alice, 'DELETE', `/v1/channels/${channel.id}/posts/${wrong}`)
  const last = await post('Hot drinks at the kiosk until 4 pm.')
  await call(d.bob, 'POST', '/v1/channels/follow', { link: channel.link })
  await until(async () => (await call<{ items: Array<{ seq: number }> }>(d.bob, 'GET', `/v1/channels/${channel.id}/posts`)).items.some((p) => p.seq === last), 'the posts at Bob')
  await call(d.bob, 'POST', '/v1/channels', { name: 'Bob’s notes', private: true })
  let reacted = false

  await shoot(browser, 'web-ui-channel', async (page) => {
    await login(page, d.alice, call)
    await page.locator('#channel-list button', { hasText: 'Lake news' }).click()
    await page.locator(`#posts li[data-seq="${last}"]`).waitFor()
    await page.mouse.move(0, 0)
  })
  await shoot(browser, 'web-ui-channel-reactions', async (page) => {
    // Bob reacts and reports the posts seen; Alice's daemon collects the sealed boxes and publishes the counts
    if (!reacted) {
      await call(d.bob, 'PUT', `/v1/channels/${channel.id}/posts/${last}/reaction`, { emoji: '🔥' })
      await call(d.bob, 'POST', `/v1/channels/${channel.id}/viewed`, { seqs: [last] })
      await until(async () => {
        await call(d.alice, 'POST', `/v1/channels/${channel.id}/tally`)
        const posts = (await call<{ items: Array<{ seq: number, views: number, reactions: Record<string, number> }> }>(d.bob, 'GET', `/v1/channels/${channel.id}/posts`)).items
        const counted = posts.find((p) => p.seq === last)
        return counted?.views === 1 && counted.reactions['🔥'] === 1
      }, 'the tally at Bob')
      reacted = true
    }
    await login(page, d.bob, call)
    await page.locator('#channel-list button', { hasText: 'Lake news' }).click()
    await page.locator(`#posts li[data-seq="${last}"] .reaction.mine`, { hasText: '🔥 1' }).waitFor()
    await page.mouse.move(0, 0)
  })
  await shoot(browser, 'web-ui-channel-admins', async (page) => {
    await login(page, d.alice, call)
    await page.locator('#channel-list button', { hasText: 'Lake news' }).click()
    await page.getByRole('button', { name: 'Admins', exact: true }).click()
    await page.locator('#channel-admins-list', { hasText: 'No admins' }).waitFor()
  })
  await shoot(browser, 'web-ui-channel-follower', async (page) => {
    await login(page, d.bob, call)
    await page.locator('#channel-list button', { hasText: 'Lake news' }).click()
    await page.locator(`#posts li[data-seq="${last}"]`).waitFor()
    await page.getByText("Only the channel's owner and admins post here.").waitFor()
  })
  await shoot(browser, 'web-ui-channel-share', async (page) => {
    await login(page, d.bob, call)
    await page.locator('#channel-list button', { hasText: 'Bob’s notes' }).click()
    await page.getByRole('button', { name: 'Share link' }).click()
    await page.getByRole('img', { name: 'QR code: Link to Bob’s notes' }).waitFor()
  })
  await shoot(browser, 'web-ui-channel-follow-error', async (page) => {
    await login(page, d.bob, call)
    await page.getByRole('button', { name: 'Follow', exact: true }).click()
    await page.getByLabel('Channel link').fill('parley://channel/this-is-not-a-channel')
    await page.locator('#follow-dialog').getByRole('button', { name: 'Follow', exact: true }).click()
    await page.locator('#follow-error:not(:empty)').waitFor()
    await page.waitForFunction(() => !(document.getElementById('follow-error')?.textContent ?? '').startsWith('Following…'))
  })
  await shoot(browser, 'web-ui-narrow-channel', async (page) => {
    await login(page, d.alice, call)
    await page.locator('#channel-list button', { hasText: 'Lake news' }).click()
    await page.locator(`#posts li[data-seq="${last}"]`).waitFor()
  }, PHONE)
}

await mkdir(out, { recursive: true })
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
try {
  await elementScenes(browser)
  await webUiScenes(browser)
} finally {
  await browser.close()
}
let total = 0
for (const name of (await readdir(out)).filter((n) => n.endsWith('.png')).sort()) {
  const { size } = await stat(join(out, name))
  total += size
  console.log(`${name.padEnd(34)} ${(size / 1024).toFixed(0).padStart(5)} KiB`)
}
console.log(`${'total'.padEnd(34)} ${(total / 1024).toFixed(0).padStart(5)} KiB  (docs/gallery/)`)
