/**
 * Issue #18 in the daemon's web UI, with two real daemons and a relay on 127.0.0.1 and real
 * Chromium (fake microphone): a voice note recorded in Alice's web UI plays in Bob's with the
 * duration it was announced with; a picture sent with the file picker shows its thumbnail and
 * opens full size; a file dropped on the conversation arrives byte-identical through the Save
 * link; axe-core finds nothing serious.
 */
import { createRequire } from 'node:module'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConversationView, MessageView } from '../../src/messenger/types.js'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, type TestDaemon, type Watched } from './helpers.js'

const artifacts = new URL('../artifacts/', import.meta.url).pathname
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

async function audit (page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath })
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string, impact: string, help: string, nodes: Array<{ target: string[] }> }> }> } }).axe.run(document, { resultTypes: ['violations'] })
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
  })
}

describe('web UI attachments between two real daemons (issue #18)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let browser: Browser | undefined
  const tokens = new Map<TestDaemon, string>()
  const call = async <T>(d: TestDaemon, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(d.apiUrl + path, { method, headers: { authorization: `Bearer ${tokens.get(d)!}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return (text !== '' ? JSON.parse(text) : undefined) as T
  }
  const pages: Page[] = []
  const errors: string[] = []
  /** A logged-in web UI page of `d` with the conversation with `name` open. */
  const openUi = async (d: TestDaemon, name: string): Promise<Page> => {
    // bypassCSP: only so that the test can inject axe-core; the app's own scripts are same-origin
    const context = await browser!.newContext({ viewport: { width: 1000, height: 760 }, bypassCSP: true })
    await context.grantPermissions(['microphone'])
    const page = await context.newPage()
    page.on('pageerror', (err) => { errors.push(err.message) })
    const { url } = await call<{ url: string }>(d, 'POST', '/v1/login-links')
    await page.goto(url)
    await page.getByRole('button', { name: new RegExp(`^${name}\\b`) }).first().click()
    await page.getByRole('heading', { name, exact: true }).waitFor()
    pages.push(page)
    return page
  }

  beforeAll(async () => {
    dir = await tempDir('parley-ui-files-')
    await mkdir(artifacts, { recursive: true })
    const [r, a, b] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', join(dir.path, 'alice')]), runCli(['init', '--home', join(dir.path, 'bob')])])
    relay = r
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    alice = await startDaemon(join(dir.path, 'alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(join(dir.path, 'bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    for (const d of [alice, bob]) tokens.set(d, (await readFile(join(d.home, 'api-token'), 'utf8')).trim())
    await call(alice, 'POST', '/v1/contacts', { address: bob.address, name: 'Bob' })
    await call(bob, 'POST', '/v1/contacts', { address: alice.address, name: 'Alice' })
    // both conversations exist before the pages open them
    await call<ConversationView>(alice, 'POST', `/v1/contacts/${bob.address}/conversation`)
    await call<ConversationView>(bob, 'POST', `/v1/contacts/${alice.address}/conversation`)
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'] })
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('a voice note recorded in one web UI plays in the other with the right duration', async () => {
    const [sender, receiver] = [await openUi(alice!, 'Bob'), await openUi(bob!, 'Alice')]
    await sender.getByRole('button', { name: 'Record voice note' }).click()
    const recording = sender.getByRole('status').filter({ hasText: 'Recording' })
    await recording.getByText('0:02').waitFor()
    await recording.getByRole('button', { name: 'Stop and send' }).click()
    await recording.waitFor({ state: 'hidden' })

    // the sender's own copy, then the receiver's: announced with the decoded duration and a waveform
    await sender.locator('.msg.out .voice').waitFor()
    const play = receiver.getByRole('button', { name: /^Play voice note, 0:0[2-4]$/ })
    await expect.poll(async () => play.isEnabled(), { timeout: 30_000 }).toBe(true)
    const voice = receiver.locator('.msg.in .voice')
    const durationMs = Number(await voice.getAttribute('data-duration-ms'))
    expect(durationMs).toBeGreaterThanOrEqual(1500)
    const bars = await voice.locator('svg.waveform rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))))
    expect(bars.length).toBe(64)
    expect(new Set(bars).size).toBeGreaterThan(1) // the fake microphone beeps: not a flat line

    const message = (await call<{ items: MessageView[] }>(bob!, 'GET', `/v1/conversations/${(await call<ConversationView>(bob!, 'POST', `/v1/contacts/${alice!.address}/conversation`)).id}/messages?limit=5`)).items.find((m) => m.kind === 'file')
    expect(message?.attachment).toMatchObject({ state: 'complete', durationMs })
    expect(message?.attachment?.mime).toMatch(/^audio\/(webm|ogg);codecs=opus$/)

    // it plays to the end: the media's own length is the announced one
    await play.click()
    await receiver.getByRole('button', { name: 'Pause voice note' }).waitFor()
    await expect.poll(async () => voice.getAttribute('data-ended-at-ms'), { timeout: 30_000 }).not.toBeNull()
    const endedAt = Number(await voice.getAttribute('data-ended-at-ms'))
    expect(Math.abs(endedAt - durationMs)).toBeLessThan(250)
    expect(await voice.locator('svg.waveform rect.played').count()).toBe(64)
    await receiver.screenshot({ path: join(artifacts, 'web-ui-voice-note.png') })
  })

  it('a picture from the file picker shows its thumbnail and opens full size; a dropped file saves byte-identical', async () => {
    const [sender, receiver] = [pages[0], pages[1]]
    const png = Buffer.from((await sender.evaluate(() => {
      const canvas = document.createElement('canvas')
      canvas.width = 640
      canvas.height = 400
      const g = canvas.getContext('2d')!
      const grad = g.createLinearGradient(0, 0, 640, 400)
      grad.addColorStop(0, '#2457c5')
      grad.addColorStop(1, '#f5b342')
      g.fillStyle = grad
      g.fillRect(0, 0, 640, 400)
      g.fillStyle = '#fff'
      g.beginPath(); g.arc(320, 200, 120, 0, Math.PI * 2); g.fill()
      return canvas.toDataURL('image/png')
    })).split(',')[1], 'base64')
    await sender.locator('#file-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png })

    const thumb = receiver.getByRole('img', { name: 'Picture sunset.png' })
    await thumb.waitFor({ timeout: 30_000 })
    const natural = await thumb.evaluate(async (img: HTMLImageElement) => { await img.decode(); return [img.naturalWidth, img.naturalHeight] })
    expect(natural[0]).toBe(160) // the sender's canvas thumbnail: 160 px on the long side
    expect(natural[1]).toBe(100)
    const opener = receiver.getByRole('button', { name: 'Open picture sunset.png' })
    await expect.poll(async () => opener.isVisible(), { timeout: 30_000 }).toBe(true)
    await opener.click()
    const full = receiver.getByRole('dialog', { name: 'sunset.png' }).getByRole('img', { name: 'sunset.png' })
    await full.waitFor()
    expect(await full.evaluate(async (img: HTMLImageElement) => { await img.decode(); return [img.naturalWidth, img.naturalHeight] })).toEqual([640, 400])
    await receiver.screenshot({ path: join(artifacts, 'web-ui-picture-open.png') })
    expect(await audit(receiver)).toEqual([])
    await receiver.keyboard.press('Escape')

    // drag and drop a file onto the conversation
    const text = 'minutes of the meeting\n'.repeat(5000)
    const transfer = await sender.evaluateHandle((body) => {
      const dt = new DataTransfer()
      dt.items.add(new File([body], 'minutes.txt', { type: 'text/plain' }))
      return dt
    }, text)
    await sender.locator('#chat').dispatchEvent('dragenter', { dataTransfer: transfer })
    await sender.locator('#chat').dispatchEvent('drop', { dataTransfer: transfer })
    const save = receiver.getByRole('link', { name: 'Save minutes.txt' })
    await save.waitFor({ timeout: 30_000 })
    const saved = await receiver.evaluate(async (href) => (await fetch(href)).text(), (await save.getAttribute('href'))!)
    expect(saved).toBe(text)
    expect(await save.getAttribute('download')).toBe('minutes.txt')

    await receiver.screenshot({ path: join(artifacts, 'web-ui-files.png') })
    await sender.screenshot({ path: join(artifacts, 'web-ui-files-sender.png') })
    expect(await audit(receiver)).toEqual([])
    expect(await audit(sender)).toEqual([])
    expect(errors).toEqual([])
  })
})
