/**
 * Regenerates the screenshot gallery in docs/gallery/ (light and dark, `prefers-color-scheme`
 * emulated by Playwright in Debian's Chromium):
 *   web-ui-*.png   the daemon's web UI: two real daemons and a relay on 127.0.0.1 exchange
 *                  messages, a timer is changed by the other side, a screenshot is reported
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

async function shoot (browser: Browser, name: string, scene: (page: Page) => Promise<void>): Promise<void> {
  if (only != null && !name.startsWith(only)) return
  for (const scheme of schemes) {
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: scheme })
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    await scene(page)
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
    messages: async (id: string) => ({ items: id === CONV ? [...list].reverse() : [] }),
    markRead: async () => {},
    reachability: () => ({ state: 'online', reasons: [], peers: 3, dhtPeers: 3, reservations: 1, needsReservation: true, relays: [], browsers: { reachable: true } }),
    search: async (q: string) => ({ hits: list.filter((m) => String(m.text ?? '').toLowerCase().includes(q.toLowerCase())).map((message) => ({ message, conversationTitle: 'Bob' })), complete: true }),
    emit: (type: string, detail: unknown) => { events.dispatchEvent(new CustomEvent(type, { detail })) }
  })
  const el = document.querySelector('parley-chat') as unknown as { messenger: unknown, openConversation: (id: string) => Promise<void> }
  el.messenger = api
  ;(window as unknown as { demo: unknown }).demo = { api, el, CONV, BOB, conversations }
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
  await shoot(browser, 'element-second-tab', async (page) => {
    const stub = "export async function createParley () { const e = new Error('this Parley store is open in another tab'); e.name = 'StoreLockedError'; e.code = 'ERR_STORE_LOCKED'; throw e }"
    await elementPage(page, '<parley-chat relays="/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"></parley-chat>', stub)
    await page.locator('parley-chat').getByText('already open in another tab').waitFor()
  })
}

// ------------------------------------------------------------------ the web UI

async function webUiScenes (browser: Browser): Promise<void> {
  const dir = await tempDir('parley-gallery-')
  const started: Array<{ stop: () => Promise<unknown> }> = []
  try {
    const relay = await startRelay(dir.path)
    started.push(relay)
    for (const who of ['alice', 'bob']) {
      const init = await runCli(['init', '--home', join(dir.path, who)])
      if (init.code !== 0) throw new Error(init.stderr)
    }
    const alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    started.push(alice)
    const bob = await startDaemon(join(dir.path, 'bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    started.push(bob)
    const tokens = new Map<TestDaemon, string>()
    for (const d of [alice, bob]) tokens.set(d, (await readFile(join(d.home, 'api-token'), 'utf8')).trim())
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
      await page.getByText(/^Bob set disappearing messages to/).waitFor()
    })
    if (only == null || 'web-ui-files'.startsWith(only)) await filesScene(browser, alice, bob, call)
    await shoot(browser, 'web-ui-qr', async (page) => {
      const { url } = await call<{ url: string }>(alice, 'POST', '/v1/login-links')
      await page.goto(url)
      await page.getByRole('button', { name: 'Show QR code' }).click()
      await page.getByRole('img', { name: 'QR code: Your invite link' }).waitFor()
    })
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
  })
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
