/**
 * Channel reactions, views and admins in the daemon's web UI (issue #21), from the user's side:
 * Bob follows Alice's channel, reacts to a post and reads it; Alice's tally publishes the counts
 * and Bob's page shows them live. Alice names Bob an admin by the key his page shows him, and Bob
 * then posts. Two real daemons, a relay keeping channel history and Chromium on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { seriousA11yViolations } from './axe-audit.js'
import { runCli, startDaemon, startRelay, type TestDaemon, type Watched } from './helpers.js'

const WAIT = { timeout: 60_000 }

interface Post { seq: number, reactions: Record<string, number>, views: number, myReaction?: string }

describe('web UI channel reactions, views and admins', () => {
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
    dir = await tempDir('parley-ui-channel-reactions-')
    const [r, ...inits] = await Promise.all([startRelay(dir.path, { channels: { keep: 'all' } }), ...['alice', 'bob'].map(async (n) => runCli(['init', '--home', join(dir.path, n)]))])
    relay = r
    for (const init of inits) expect(init.code, init.stderr).toBe(0)
    for (const n of ['alice', 'bob']) {
      daemons[n] = await startDaemon(join(dir.path, n), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
      tokens[n] = (await readFile(join(dir.path, n, 'api-token'), 'utf8')).trim()
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all(Object.values(daemons).map(async (d) => d.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a follower reacts and reads; the owner\'s tally shows live; the owner names the follower an admin by the key his page shows', async () => {
    const channel = await call<{ id: string, link: string }>('alice', 'POST', '/v1/channels', { name: 'Harbour' })
    await call('alice', 'POST', `/v1/channels/${channel.id}/posts`, { text: 'The ferry runs at nine' })
    await call('bob', 'POST', '/v1/channels/follow', { link: channel.link })

    // Bob opens the channel: the post is on screen (a view), he reacts with the picker
    const bob = await pageOf('bob')
    await bob.locator('#channel-list button', { hasText: 'Harbour' }).click()
    await bob.locator('#posts li[data-seq="1"]', { hasText: 'The ferry runs at nine' }).waitFor(WAIT)
    await bob.getByText('☺+').click()
    await bob.getByRole('button', { name: 'React with 🔥' }).click()
    const mine = bob.locator('#posts li[data-seq="1"] .reaction.mine')
    await mine.waitFor()
    expect(await mine.getAttribute('aria-pressed')).toBe('true')
    expect((await call<{ items: Post[] }>('bob', 'GET', `/v1/channels/${channel.id}/posts`)).items[0].myReaction).toBe('🔥')
    expect(await seriousA11yViolations(bob)).toEqual([])

    // Alice tallies (the daemon also does every 30 s) until Bob's view report has been counted
    await waitFor(async () => {
      await call('alice', 'POST', `/v1/channels/${channel.id}/tally`)
      const [post] = (await call<{ items: Post[] }>('alice', 'GET', `/v1/channels/${channel.id}/posts`)).items
      return post.views === 1 && post.reactions['🔥'] === 1
    }, 60_000, 'Bob\'s reaction and view in Alice\'s tally')
    await bob.locator('#posts li[data-seq="1"] .reaction.mine', { hasText: '🔥 1' }).waitFor(WAIT)
    await bob.locator('#posts li[data-seq="1"] .views', { hasText: '1 view' }).waitFor(WAIT)

    // Bob withdraws by pressing his reaction again
    await mine.click()
    await waitFor(async () => (await call<{ items: Post[] }>('bob', 'GET', `/v1/channels/${channel.id}/posts`)).items[0].myReaction === undefined, 30_000, 'the withdrawal')

    // admins: Bob's page shows his admin key; Alice adds it in hers
    await bob.getByRole('button', { name: 'Admin key' }).click()
    const keyBox = bob.getByLabel('Your admin key for this channel')
    await waitFor(async () => /^[0-9a-f]{64}$/.test(await keyBox.inputValue()), 30_000, 'Bob\'s admin key')
    const bobKey = await keyBox.inputValue()
    expect(await seriousA11yViolations(bob)).toEqual([])
    await bob.locator('#channel-admins-dialog').getByRole('button', { name: 'Close' }).click()

    const alice = await pageOf('alice')
    await alice.locator('#channel-list button', { hasText: 'Harbour' }).click()
    await alice.getByRole('button', { name: 'Admins', exact: true }).click()
    await alice.locator('#channel-admins-list', { hasText: 'No admins' }).waitFor()
    await alice.getByLabel('Add an admin by their admin key').fill('not a key')
    await alice.getByRole('button', { name: 'Add admin' }).click()
    await alice.locator('#channel-admins-error', { hasText: 'An admin key is 64 hexadecimal characters' }).waitFor()
    await alice.getByLabel('Add an admin by their admin key').fill(bobKey)
    await alice.getByRole('button', { name: 'Add admin' }).click()
    await alice.locator('#channel-admins-list code', { hasText: bobKey.slice(0, 12) }).waitFor(WAIT)
    expect(await seriousA11yViolations(alice)).toEqual([])
    expect((await call<{ admins: string[] }>('alice', 'GET', `/v1/channels/${channel.id}`)).admins).toEqual([bobKey])
    await alice.locator('#channel-admins-dialog').getByRole('button', { name: 'Close' }).click()

    // Bob is an admin once the signed list reaches him: his page lets him post
    await waitFor(async () => (await call<{ role: string }>('bob', 'GET', `/v1/channels/${channel.id}`)).role === 'admin', 60_000, 'Bob to learn he is an admin')
    await bob.reload()
    await bob.locator('#channel-list button', { hasText: 'Harbour' }).click()
    await bob.getByRole('textbox', { name: 'Post', exact: true }).fill('Ferry delayed by fog')
    await bob.keyboard.press('Enter')
    await alice.locator('#posts li', { hasText: 'Ferry delayed by fog' }).waitFor(WAIT)

    // and Alice removes him again
    await alice.getByRole('button', { name: 'Admins', exact: true }).click()
    await alice.getByRole('button', { name: `Remove admin ${bobKey.slice(0, 12)}` }).click()
    await alice.locator('#channel-admins-list', { hasText: 'No admins' }).waitFor(WAIT)
    expect(errors).toEqual([])
  }, 300_000)

  it('the owner posts a file from the page; a follower downloads it from the relay and saves it', async () => {
    const channel = await call<{ id: string, link: string }>('alice', 'POST', '/v1/channels', { name: 'Charts' })
    await call('alice', 'POST', `/v1/channels/${channel.id}/posts`, { text: 'Charts follow' })
    await call('bob', 'POST', '/v1/channels/follow', { link: channel.link })
    const alice = await pageOf('alice')
    await alice.locator('#channel-list button', { hasText: 'Charts' }).click()
    await alice.locator('#posts li[data-seq="1"]').waitFor(WAIT)
    const chart = Buffer.from('tide chart: high water 06:12, low water 12:30\n'.repeat(2000))
    await alice.locator('#post-file').setInputFiles({ name: 'tides.txt', mimeType: 'text/plain', buffer: chart })
    await alice.locator('#posts li[data-seq="2"] .file[data-state="complete"]', { hasText: 'tides.txt' }).waitFor(WAIT)

    const bob = await pageOf('bob')
    await bob.locator('#channel-list button', { hasText: 'Charts' }).click()
    await bob.locator('#posts li[data-seq="2"] .file[data-state="pending"]', { hasText: 'tides.txt' }).waitFor(WAIT)
    await bob.getByRole('button', { name: /^Download / }).click()
    const save = bob.getByRole('link', { name: 'Save tides.txt' })
    await save.waitFor(WAIT)
    const href = await save.getAttribute('href')
    const bytes = await bob.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url as string, { credentials: 'same-origin' })).arrayBuffer())), href)
    expect(Buffer.from(bytes).equals(chart)).toBe(true)
    expect(await seriousA11yViolations(bob)).toEqual([])
    expect(errors).toEqual([])
  }, 300_000)
})
