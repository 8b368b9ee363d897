/**
 * The browser embed end to end, driven from Node: Debian's Chromium (playwright-core), a relay
 * and the example page on 127.0.0.1. Run inside `unshare -n` (see scripts/run-tests.mjs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILD_TIMEOUT, browserBuild } from '../helpers/browser-build.js'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startExampleServer, type ExampleServer } from '../../examples/browser-embed/serve.js'
import { jsonLogger } from '../../src/relay/logger.js'
import { tempDir } from '../helpers/network.js'
import { startTestMessenger, nextEvent } from '../messenger/helpers.js'
import { runCli, startDaemon } from '../daemon/helpers.js'
import { collectConsole, createProfile, type Profile } from './harness.js'

const MARKER = `parley-plaintext-marker-${Math.random().toString(36).slice(2)}`
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

let example: ExampleServer
const relayLog: string[] = []
const profiles: Profile[] = []

async function newProfile (name: string): Promise<Profile> {
  const p = await createProfile(name)
  profiles.push(p)
  return p
}

/** Opens the example page in a profile, with the page's console kept for error messages. */
async function openPage (profile: Profile): Promise<{ page: Page, log: string[] }> {
  const context = await profile.open()
  const page = await context.newPage()
  const log = collectConsole(page)
  await page.goto(example.url)
  // a string, so that vite's transform leaves this dynamic import alone
  await page.evaluate('import("/parley.js").then((lib) => { window.parley = lib })')
  return { page, log }
}

/** In the page: opens a device on `storage` through the library bundle; returns its address. */
async function openDevice (page: Page, storage: string, options: { waitForLock?: boolean } = {}): Promise<{ address: string, peerId: string, webrtc: string[] }> {
  return page.evaluate(async ({ relay, storage, waitForLock }) => {
    const lib = (window as any).parley
    const device = await lib.openBrowserNode({ relays: [relay], storage: { name: storage, waitForLock }, allowPrivateAddresses: true })
    const w = window as any
    w.device = device
    w.received = []
    device.node.addEventListener('envelope', (evt: any) => { w.received.push(new TextDecoder().decode(evt.detail.envelope.payload)) })
    await lib.waitForRelayReservation(device.node)
    return { address: device.node.address, peerId: device.node.peerId.toString(), webrtc: device.webrtcAddresses().map(String) }
  }, { relay: example.relayWs, storage, waitForLock: options.waitForLock === true })
}

/** Every file under `dir`, concatenated (binary-safe: searched as latin1). */
async function readTree (dir: string): Promise<string> {
  const parts: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push((await readFile(join(entry.parentPath, entry.name))).toString('latin1'))
  }
  return parts.join('\n')
}

interface ChatPage { page: Page, log: string[], address: string, peerId: string }

/** Loads the example page and waits for its <parley-chat> to have started its messenger. */
async function openChat (profile: Profile, reuse: { page?: Page } = {}): Promise<ChatPage> {
  const { page, log } = reuse.page != null ? { page: reuse.page, log: collectConsole(reuse.page) } : await openPage(profile)
  if (reuse.page != null) await page.evaluate('import("/parley.js").then((lib) => { window.parley = lib })')
  const me = await page.evaluate(async () => {
    const el = document.querySelector('parley-chat') as any
    await customElements.whenDefined('parley-chat')
    await el.ready
    if (el.messenger == null) throw new Error('the element did not start')
    await (window as any).parley.waitForRelayReservation(el.messenger.node)
    return { address: el.messenger.address as string, peerId: el.messenger.node.peerId.toString() as string }
  }).catch((err: Error) => { throw new Error(`${err.message}\n${log.join('\n')}`) })
  // others find this device through its account record in the DHT (held by the relay)
  await page.waitForFunction(() => (document.querySelector('parley-chat') as any).messenger.node.isPublished === true)
  return { page, log, ...me }
}

/** Resolves when the element shows a message containing `text` (in its shadow DOM). */
async function waitForMessage (page: Page, text: string, options: { status?: string } = {}): Promise<void> {
  await page.locator('parley-chat li.msg', { hasText: text }).first().waitFor({ timeout: 20_000 })
  if (options.status != null) {
    await page.locator(`parley-chat li.msg[data-status="${options.status}"]`, { hasText: text }).first().waitFor({ timeout: 20_000 })
  }
}

/** Connections of the page's device to `peer`: address, limited, open stream protocols. */
async function connectionsTo (page: Page, peer: string): Promise<Array<{ addr: string, limited: boolean, streams: string[] }>> {
  return page.evaluate((peer) => (document.querySelector('parley-chat') as any).messenger.node.libp2p.getConnections()
    .filter((c: any) => c.remotePeer.toString() === peer)
    .map((c: any) => ({ addr: c.remoteAddr.toString(), limited: c.limits != null, streams: c.streams.map((s: any) => s.protocol) })), peer)
}

beforeAll(async () => {
  example = await startExampleServer({ bundleDir: await browserBuild(), relayLogger: jsonLogger({ level: 'debug', write: (line) => { relayLog.push(line) } }) })
  await mkdir(ARTIFACTS, { recursive: true })
}, BUILD_TIMEOUT)

afterAll(async () => {
  await Promise.allSettled(profiles.map(async (p) => p.destroy()))
  await example?.stop()
})

describe('browser embed', () => {
  it('two browsers exchange envelopes over a direct WebRTC connection', async () => {
    const [a, b] = await Promise.all([newProfile('a'), newProfile('b')])
    const [pa, pb] = await Promise.all([openPage(a), openPage(b)])
    const [da, db] = await Promise.all([openDevice(pa.page, 'webrtc'), openDevice(pb.page, 'webrtc')])
    expect(da.webrtc.length, pa.log.join('\n')).toBeGreaterThan(0)

    // ICE between two headless Chromiums on a loaded 2-core machine has, once in many CI runs,
    // not completed within 20 s (CI, 2026-11-25). The dial is tried at most twice, as the
    // messenger itself tries again later (it falls back to the relay meanwhile); a failed try
    // reports how far it got (libp2p's progress events) and both pages' console.
    const conn = await pb.page.evaluate(async ({ addr }) => {
      const lib = (window as any).parley
      const node = (window as any).device.node
      const failures: string[] = []
      for (let attempt = 1; attempt <= 2; attempt++) {
        const progress: string[] = []
        const started = performance.now()
        try {
          const c = await node.libp2p.dial(lib.multiaddr(addr), {
            signal: AbortSignal.timeout(20_000),
            onProgress: (evt: Event) => { progress.push(`${Math.round(performance.now() - started)}ms ${evt.type}`) }
          })
          return { remoteAddr: c.remoteAddr.toString(), limited: c.limits != null, ms: Math.round(performance.now() - started), attempts: attempt, failures }
        } catch (err: any) {
          failures.push(`attempt ${attempt}: ${String(err?.name)} ${String(err?.message)} after [${progress.join(', ')}]`)
        }
      }
      throw new Error(failures.join('\n'))
    }, { addr: da.webrtc[0] }).catch((err: Error) => { throw new Error(`${err.message}\n-- A --\n${pa.log.join('\n')}\n-- B --\n${pb.log.join('\n')}`) })
    if (conn.failures.length > 0) console.warn(`WebRTC dial needed ${conn.attempts} attempts:\n${conn.failures.join('\n')}`)
    expect(conn.remoteAddr).toContain('/webrtc')
    expect(conn.remoteAddr.endsWith('/p2p-circuit')).toBe(false)
    expect(conn.limited).toBe(false)
    console.log(`WebRTC dial browser → browser: ${conn.ms} ms`)

    // A's account record must be in the DHT (the relay) before B can address A's device
    await pa.page.waitForFunction(() => (window as any).device.node.isPublished)
    const results = await pb.page.evaluate(async ({ to, text }) => {
      const node = (window as any).device.node
      const out = await node.sendToAccount(to, { payload: new TextEncoder().encode(text) })
      return out.map((r: any) => ({ ok: r.ok, error: r.ok ? undefined : String(r.error) }))
    }, { to: da.address, text: `${MARKER} hello from B` })
    expect(results, pb.log.join('\n')).toEqual([{ ok: true }])
    await pa.page.waitForFunction((m) => (window as any).received.some((t: string) => t.includes(m)), MARKER)
    // the envelope stream ran on the direct WebRTC connection; the relayed one only signalled
    const conns = await pa.page.evaluate((peer) => (window as any).device.node.libp2p.getConnections()
      .filter((c: any) => c.remotePeer.toString() === peer).map((c: any) => ({ addr: c.remoteAddr.toString(), limited: c.limits != null, streams: c.streams.map((s: any) => s.protocol) })), db.peerId)
    const carriers = conns.filter((c: { streams: string[] }) => c.streams.includes('/parley/msg/1.0.0'))
    expect(carriers).toEqual([expect.objectContaining({ limited: false, addr: expect.stringMatching(/^\/webrtc\/p2p\//) })])
    expect(conns.filter((c: { limited: boolean }) => c.limited).every((c: { streams: string[] }) => c.streams.length === 0)).toBe(true)
  })

  const chat: { a?: Profile, b?: Profile, pa?: ChatPage, pb?: ChatPage } = {}

  it('two <parley-chat> elements chat over a direct WebRTC connection', async () => {
    chat.a = await newProfile('chat-a')
    chat.b = await newProfile('chat-b')
    const [pa, pb] = await Promise.all([openChat(chat.a), openChat(chat.b)])
    chat.pa = pa
    chat.pb = pb
    // B adds A through the form (keyboard: type, Enter); A adds B through the API
    const inviteA = await pa.page.evaluate(() => (document.querySelector('parley-chat') as any).messenger.inviteLink())
    await pb.page.locator('parley-chat #add-address').fill(inviteA)
    await pb.page.locator('parley-chat #add-name').fill('Alice')
    await pb.page.locator('parley-chat #add-address').press('Enter')
    await pb.page.locator('parley-chat #conv-title', { hasText: 'Alice' }).waitFor()
    await pa.page.evaluate(async (b) => {
      const el = document.querySelector('parley-chat') as any
      await el.messenger.addContact(b, { name: 'Bob' })
      await el.openConversation((await el.messenger.conversationWith(b)).id)
    }, pb.address)

    // A types and sends with Enter; B's element shows it; A's ticks reach "delivered" (or "read")
    await pa.page.locator('parley-chat #compose').fill(`${MARKER} hello Bob`)
    await pa.page.locator('parley-chat #compose').press('Enter')
    await waitForMessage(pb.page, 'hello Bob')
    await pa.page.locator('parley-chat li.msg.out:is([data-status="delivered"],[data-status="read"])', { hasText: 'hello Bob' }).waitFor({ timeout: 20_000 })
    await pb.page.locator('parley-chat #compose').fill(`${MARKER} hi Alice`)
    await pb.page.locator('parley-chat button:has-text("Send")').click()
    await waitForMessage(pa.page, 'hi Alice')

    // the chat ran over a direct WebRTC connection (the relayed one only carries signalling)
    const conns = await connectionsTo(pa.page, pb.peerId)
    const direct = conns.filter((c) => !c.limited)
    expect(direct.length, JSON.stringify(conns)).toBeGreaterThan(0)
    for (const c of direct) expect(c.addr).toMatch(/\/webrtc(\/|$)/)
    expect(conns.filter((c) => c.limited).every((c) => !c.streams.includes('/parley/msg/1.0.0'))).toBe(true)

    await pa.page.locator('parley-chat').screenshot({ path: join(ARTIFACTS, 'parley-chat.png') })
  })

  it('element controls: safety number, disappearing timer, delete for both, secret chat', async () => {
    const { pa, pb } = chat
    if (pa == null || pb == null) throw new Error('needs the previous test')
    const el = (page: Page): { q: (selector: string, options?: { hasText?: string }) => ReturnType<Page['locator']> } => ({ q: (selector, options) => page.locator(`parley-chat ${selector}`, options) })
    const A = el(pa.page)
    const B = el(pb.page)

    // safety number: the same 60 digits on both sides
    await A.q('button:has-text("Safety number")').click()
    await B.q('button:has-text("Safety number")').click()
    const digitsA = (await A.q('#safety').textContent() ?? '').replace(/\s/g, '')
    expect(digitsA).toMatch(/^\d{60}$/)
    expect((await B.q('#safety').textContent() ?? '').replace(/\s/g, '')).toBe(digitsA)
    await A.q('button:has-text("Mark as verified")').click()
    await A.q('[part~="contact-item"] .badge[title="Verified"]').waitFor()

    // disappearing timer: A picks 1 hour; B's picker follows; new messages carry the timer mark
    await A.q('#timer').selectOption('3600000')
    await expect.poll(async () => B.q('#timer').inputValue(), { timeout: 20_000 }).toBe('3600000')
    // the change is a line on both sides, stored with the messages: once, and still there after
    // B reloads its page
    const lines = async (side: typeof A, words: string): Promise<number> => side.q('li.notice', { hasText: words }).count()
    await expect.poll(async () => lines(A, 'You set disappearing messages to 1 hour'), { timeout: 30_000 }).toBe(1)
    await expect.poll(async () => lines(B, 'Alice set disappearing messages to 1 hour'), { timeout: 20_000 }).toBe(1)
    await pb.page.reload()
    chat.pb = await openChat(chat.b as Profile, { page: pb.page })
    await pb.page.locator('parley-chat li button[data-conversation]', { hasText: 'Alice' }).first().click()
    await B.q('#conv-title', { hasText: 'Alice' }).waitFor()
    await expect.poll(async () => lines(B, 'Alice set disappearing messages to 1 hour'), { timeout: 20_000 }).toBe(1)
    expect(await B.q('#timer').inputValue()).toBe('3600000')
    await A.q('#compose').fill('this one disappears')
    await A.q('#compose').press('Enter')
    await B.q('li.msg').filter({ hasText: 'this one disappears' }).locator('[aria-label="Disappearing message"]').waitFor()
    await A.q('#timer').selectOption('off')

    // delete for both: A deletes its message; it leaves B's screen
    await A.q('li.msg.out').filter({ hasText: 'this one disappears' }).getByRole('button', { name: 'Delete for everyone' }).click()
    // it asks first: confirm in the dialog
    await A.q('dialog[open]').getByRole('button', { name: 'Delete for everyone' }).click()
    await B.q('li.msg').filter({ hasText: 'this one disappears' }).waitFor({ state: 'detached', timeout: 20_000 })

    // secret chat: A starts, B accepts from its chat list, then they talk in it
    await A.q('button:has-text("Start secret chat")').click()
    await A.q('#conv-title .badge.secret').waitFor()
    await B.q('li button', { hasText: 'secret · invite' }).click()
    await B.q('button:has-text("Accept secret chat")').click()
    await A.q('#compose:not([disabled])').waitFor({ timeout: 20_000 })
    // accepting is a line in the secret chat on both sides
    await expect.poll(async () => lines(A, 'Bob accepted the secret chat'), { timeout: 20_000 }).toBe(1)
    await expect.poll(async () => lines(B, 'You accepted the secret chat'), { timeout: 30_000 }).toBe(1)
    await A.q('#compose').fill(`${MARKER} secret hello`)
    await A.q('#compose').press('Enter')
    await waitForMessage(pb.page, 'secret hello')
    await pa.page.locator('parley-chat').screenshot({ path: join(ARTIFACTS, 'parley-chat-secret.png') })
  })

  it('offline: B closed, A sends, B reopened receives it from the relay mailbox', async () => {
    const { a, b, pa, pb } = chat
    if (a == null || b == null || pa == null || pb == null) throw new Error('needs the previous test')
    await b.close()
    const sent = await pa.page.evaluate(async ({ to, text }) => {
      const m = (document.querySelector('parley-chat') as any).messenger
      const conversation = await m.conversationWith(to)
      const stored = m.next('delivery', { filter: (d: any) => d.state === 'stored' || d.state === 'failed', signal: AbortSignal.timeout(30_000) })
      const message = await m.sendText(conversation.id, text)
      return { id: message.id, state: (await stored).state }
    }, { to: pb.address, text: `${MARKER} while you were away` })
    expect(sent.state).toBe('stored')
    const again = await openChat(b)
    expect(again.address).toBe(pb.address)
    await again.page.locator('parley-chat li button[data-conversation]', { hasText: 'Alice' }).first().click()
    await waitForMessage(again.page, 'while you were away')
    chat.pb = again
  })

  it('a browser and a Node messenger chat both ways, and the browser gets mail sent while it was closed', async () => {
    const home = await tempDir('parley-browser-node-')
    const nodeMessenger = await startTestMessenger(home.path, 'node', [example.relayTcp as string], {
      node: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], webrtcBindAddress: '127.0.0.1' }
    })
    try {
      const p = await newProfile('with-node')
      const browser = await openChat(p)
      await nodeMessenger.addContact(browser.address, { name: 'Browser' })
      await browser.page.evaluate(async (n) => {
        const el = document.querySelector('parley-chat') as any
        await el.messenger.addContact(n, { name: 'Node' })
        await el.openConversation((await el.messenger.conversationWith(n)).id)
      }, nodeMessenger.address)
      const fromBrowser = nextEvent(nodeMessenger, 'message', (d) => d.message.text?.includes('browser to node') === true, 30_000)
      await browser.page.locator('parley-chat #compose').fill(`${MARKER} browser to node`)
      await browser.page.locator('parley-chat #compose').press('Enter')
      expect((await fromBrowser).message.direction).toBe('in')
      const conversation = await nodeMessenger.conversationWith(browser.address)
      await nodeMessenger.sendText(conversation.id, `${MARKER} node to browser`)
      await waitForMessage(browser.page, 'node to browser')

      // the browser goes away; the Node side deposits at the browser's relay; the browser comes
      // back (same profile, same IndexedDB) and drains its mailbox
      await p.close()
      const stored = nextEvent(nodeMessenger, 'delivery', (d) => d.state === 'stored' || d.state === 'failed', 30_000)
      await nodeMessenger.sendText(conversation.id, `${MARKER} while the browser was away`)
      expect((await stored).state).toBe('stored')
      const back = await openChat(p)
      expect(back.address).toBe(browser.address)
      await back.page.locator('parley-chat li button[data-conversation]', { hasText: 'Node' }).first().click()
      await waitForMessage(back.page, 'while the browser was away')
    } finally {
      await nodeMessenger.stop()
      await home.cleanup()
    }
  })

  it('a browser page and a `parley daemon` process exchange messages both ways', async () => {
    const home = await tempDir('parley-browser-daemon-')
    const daemon = await startDaemon(join(home.path, 'd'), ['--relay', example.relayTcp as string, '--listen', '/ip4/127.0.0.1/tcp/0/ws', '--no-ui'])
    try {
      const p = await newProfile('with-daemon')
      const browser = await openChat(p)
      const cli = async (...args: string[]): Promise<string> => {
        const result = await runCli([...args, '--home', daemon.home])
        expect(result.code, result.stderr).toBe(0)
        return result.stdout
      }
      await cli('contacts', 'add', browser.address, '--name', 'Browser')
      await browser.page.evaluate(async (n) => {
        const el = document.querySelector('parley-chat') as any
        await el.messenger.addContact(n, { name: 'Daemon' })
        await el.openConversation((await el.messenger.conversationWith(n)).id)
      }, daemon.address)
      await browser.page.locator('parley-chat #compose').fill(`${MARKER} browser to daemon`)
      await browser.page.locator('parley-chat #compose').press('Enter')
      const deadline = Date.now() + 30_000
      while (!(await cli('messages', 'Browser')).includes('browser to daemon')) {
        if (Date.now() > deadline) throw new Error('the daemon never got the browser’s message')
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      await cli('send', 'Browser', `${MARKER} daemon to browser`)
      await waitForMessage(browser.page, 'daemon to browser')
    } finally {
      await daemon.stop()
      await home.cleanup()
    }
  })

  it('keeps the identity across a reload', async () => {
    const p = await newProfile('reload')
    const first = await openChat(p)
    await first.page.reload()
    const second = await openChat(p, { page: first.page })
    expect(second.address).toBe(first.address)
    expect(second.peerId).toBe(first.peerId)
  })

  it('a second tab gets ERR_STORE_LOCKED, or the store once the first tab lets go', async () => {
    const p = await newProfile('tabs')
    const first = await openChat(p)
    const context = await p.open()
    const second = await context.newPage()
    await second.goto(example.url)
    // the element in the second tab reports the lock instead of opening the store
    await second.locator('parley-chat .status', { hasText: 'open in another tab' }).waitFor()
    // …in words where the chat would be, with what cannot work disabled (not "Connecting…" forever)
    await second.locator('parley-chat').getByRole('alert').filter({ hasText: 'already open in another tab' }).waitFor()
    expect(await second.locator('parley-chat').getByRole('button', { name: 'Add contact' }).isDisabled()).toBe(true)
    expect(await second.locator('parley-chat').getByText('Connecting…').count()).toBe(0)
    await second.evaluate('import("/parley.js").then((lib) => { window.parley = lib })')
    const refused = await second.evaluate(async (relay) => {
      try {
        await (window as any).parley.createParley({ relays: [relay], storage: { name: 'parley-example' }, allowPrivateAddresses: true })
        return 'opened'
      } catch (err: any) { return `${err.name} ${err.code}` }
    }, example.relayWs)
    expect(refused).toBe('StoreLockedError ERR_STORE_LOCKED')

    // hand-off: the second tab waits; the first stops; the same account opens, intact
    const waiting = second.evaluate(async (relay) => {
      const parley = await (window as any).parley.createParley({ relays: [relay], storage: { name: 'parley-example', waitForLock: true }, allowPrivateAddresses: true })
      const contacts = await parley.listContacts()
      const address = parley.address
      await parley.stop()
      return { address, contacts: contacts.length }
    }, example.relayWs)
    await first.page.evaluate(async () => { await (document.querySelector('parley-chat') as any).messenger.stop() })
    const handed = await waiting
    expect(handed.address).toBe(first.address)
  })

  it('the relay stored and logged nothing of the plaintext', async () => {
    if (example.relay == null) throw new Error('the example started no relay')
    await example.relay.stop()
    if (example.relayDataDir == null) throw new Error('the relay has no data directory')
    expect(await readTree(example.relayDataDir)).not.toContain(MARKER)
    expect(relayLog.join('\n')).not.toContain(MARKER)
    expect(relayLog.length).toBeGreaterThan(0)
  })
})
