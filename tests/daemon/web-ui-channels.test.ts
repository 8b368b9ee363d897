/**
 * Channels in the daemon's web UI (issue #21), from the user's side: Alice creates a channel,
 * posts, shares its link (text and QR code); Bob follows it by the link in his web UI, reads
 * the post, gets new ones live, sees Alice's edit and delete, cannot post, mutes and leaves.
 * Two real daemons, a relay keeping channel history and Chromium on 127.0.0.1.
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

describe('web UI channels', () => {
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
    // bypassCSP: only so that the test can inject axe-core; the app's own scripts are same-origin
    const page = await (await browser!.newContext({ bypassCSP: true })).newPage()
    page.on('pageerror', (err) => { errors.push(`${who}: ${err.message}`) })
    page.on('dialog', (d) => { void d.accept() }) // confirm() of destructive actions: the user says yes
    await page.goto((await call<{ url: string }>(who, 'POST', '/v1/login-links')).url)
    await page.locator('#network').waitFor()
    return page
  }

  beforeAll(async () => {
    dir = await tempDir('parley-ui-channels-')
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

  it('create, post, share (text and QR), follow by link, live posts, edit and delete seen by the follower, read-only, mute, leave', async () => {
    const alice = await pageOf('alice')
    await alice.getByRole('button', { name: 'New channel' }).click()
    await alice.getByLabel('Channel name').fill('Lake news')
    await alice.getByRole('button', { name: 'Create channel' }).click()
    await alice.locator('#channel-title', { hasText: 'Lake news' }).waitFor()
    expect(await alice.locator('#channel-sub').textContent()).toBe('Public channel · you own it')
    await alice.getByRole('textbox', { name: 'Post', exact: true }).fill('The ice is thick enough')
    await alice.keyboard.press('Enter')
    await alice.locator('#posts li[data-seq="1"]', { hasText: 'The ice is thick enough' }).waitFor()

    // share: the link as text to copy and as a QR code
    await alice.getByRole('button', { name: 'Share link' }).click()
    await alice.getByRole('img', { name: 'QR code: Link to Lake news' }).waitFor()
    const link = await alice.locator('#qr-text').inputValue()
    expect(link).toMatch(/^parley:\/\/channel\/[A-Za-z0-9_-]{43}\?name=Lake%20news$/)
    expect(await alice.locator('#qr-image').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(await seriousA11yViolations(alice)).toEqual([])
    await alice.locator('#qr-dialog').getByRole('button', { name: 'Close' }).click()

    // Bob follows by the link: the post is there, and he cannot post
    const bob = await pageOf('bob')
    await bob.getByRole('button', { name: 'Follow', exact: true }).click()
    await bob.getByLabel('Channel link').fill('parley://channel/not-a-channel')
    await bob.locator('#follow-dialog').getByRole('button', { name: 'Follow', exact: true }).click()
    await bob.locator('#follow-error', { hasText: /^This link is damaged or not a channel's \(.+\): copy it again from the channel's owner\.$/ }).waitFor()
    expect(await bob.locator('#follow-dialog').isVisible()).toBe(true)
    await bob.getByLabel('Channel link').fill(link)
    await bob.locator('#follow-dialog').getByRole('button', { name: 'Follow', exact: true }).click()
    await bob.locator('#channel-title', { hasText: 'Lake news' }).waitFor(WAIT)
    await bob.locator('#posts li[data-seq="1"]', { hasText: 'The ice is thick enough' }).waitFor(WAIT)
    expect(await bob.locator('#post-form').isVisible()).toBe(false)
    expect(await bob.locator('#post-readonly').textContent()).toBe("Only the channel's owner and admins post here.")
    expect(await bob.getByRole('button', { name: /^Edit post/ }).count()).toBe(0)
    expect(await bob.locator('#channel-list button', { hasText: 'Lake news' }).locator('.meta').textContent()).toBe('public · following')

    // a new post arrives live; Alice edits the first and deletes the second: Bob sees both
    await alice.getByRole('textbox', { name: 'Post', exact: true }).fill('Skates at the north shore')
    await alice.keyboard.press('Enter')
    await bob.locator('#posts li[data-seq="2"]', { hasText: 'Skates at the north shore' }).waitFor(WAIT)
    await alice.getByRole('button', { name: 'Edit post 1' }).click()
    await alice.getByLabel('Text of the post').fill('The ice is thick enough (measured: 15 cm)')
    await alice.locator('#edit-post-dialog').getByRole('button', { name: 'Save' }).click()
    await alice.locator('#posts li[data-seq="1"]', { hasText: '15 cm' }).locator('.info', { hasText: 'edited' }).waitFor()
    await bob.locator('#posts li[data-seq="1"]', { hasText: 'The ice is thick enough (measured: 15 cm)' }).locator('.info', { hasText: 'edited' }).waitFor(WAIT)
    await alice.getByRole('button', { name: 'Delete post 2' }).click()
    await alice.locator('#posts li[data-seq="2"].deleted', { hasText: 'This post was deleted.' }).waitFor()
    await bob.locator('#posts li[data-seq="2"].deleted', { hasText: 'This post was deleted.' }).waitFor(WAIT)
    expect(await bob.locator('#posts').textContent()).not.toContain('Skates at the north shore')
    expect(await seriousA11yViolations(alice)).toEqual([])
    expect(await seriousA11yViolations(bob)).toEqual([])

    // mute, unmute, leave (confirmed)
    await bob.getByRole('button', { name: 'Mute', exact: true }).click()
    await bob.locator('#channel-list button', { hasText: 'Lake news' }).locator('.meta', { hasText: 'public · following · muted' }).waitFor()
    expect(await bob.locator('#channel-sub').textContent()).toContain('muted')
    expect((await call<{ muted: boolean }>('bob', 'GET', '/v1/channels/Lake%20news')).muted).toBe(true)
    await bob.getByRole('button', { name: 'Unmute' }).click()
    await bob.getByRole('button', { name: 'Mute', exact: true }).waitFor()
    await bob.getByRole('button', { name: 'Leave channel' }).click()
    await bob.locator('#channel-list', { hasText: 'No channels yet.' }).waitFor()
    expect(await bob.locator('#channel-view').isVisible()).toBe(false)
    expect((await call<{ items: unknown[] }>('bob', 'GET', '/v1/channels')).items).toEqual([])
    // the owner has no "Leave" (a channel without its owner could never post again)
    expect(await alice.getByRole('button', { name: 'Leave channel' }).isVisible()).toBe(false)
    expect(errors).toEqual([])
  }, 300_000)
})
