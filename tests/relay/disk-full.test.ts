/**
 * The relay's LevelDB mailbox store on a disk that fills up (a real 3 MB tmpfs): writes are
 * refused with a retryable ERR_STORAGE_FULL while reads go on, the store reopens by itself once
 * space is back, and nothing acknowledged — before the disk filled or after it recovered — is
 * lost, even across a restart. Skipped (with the reason) where `mount` is refused (not root).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxErrorCode } from '../../src/net/mailbox-codec.js'
import { RelayRefusal } from '../../src/relay/errors.js'
import { MailboxStore, type MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { Envelope } from '../../src/wire/parley.js'
import { tempDir } from '../helpers/network.js'
import { waitFor } from '../helpers/wait.js'

const LIMITS: MailboxStoreLimits = { mailboxMaxEnvelopes: 10_000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
const MAILBOX = randomBytes(32).toString('hex')

function depositOf (size: number): Parameters<MailboxStore['deposit']>[0] {
  const id = randomBytes(16)
  const bytes = Envelope.encode({ version: 1, id, recipientDevice: Buffer.from(MAILBOX, 'hex'), payload: randomBytes(size), createdAt: 1n, expiresAt: 0n, flags: 0 })
  return { mailbox: MAILBOX, id: Buffer.from(id).toString('hex'), bytes, expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now() }
}

async function outcome (p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok' } catch (err) { return err instanceof RelayRefusal ? err.code : `untyped: ${(err as Error).message}` }
}

/** Ids of every envelope the store serves the mailbox, in order. */
async function servedIds (store: MailboxStore): Promise<string[]> {
  const ids: string[] = []
  let cursor = ''
  for (;;) {
    const page = await store.fetch(MAILBOX, cursor, 100, 64 * 1024 * 1024, Date.now())
    ids.push(...page.envelopes.map((e) => Buffer.from(Envelope.decode(e).id).toString('hex')))
    if (!page.more) return ids
    cursor = page.cursor
  }
}

function expectEachOnce (acked: string[], served: string[]): void {
  expect(served.filter((id, i) => served.indexOf(id) !== i), 'served twice').toEqual([])
  expect(acked.filter((id) => !served.includes(id)), 'acknowledged but not served').toEqual([])
}

describe('relay mailbox store: a full disk', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let mountPoint = ''
  let mountError = ''
  const stores: MailboxStore[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-disk-full-')
    mountPoint = join(dir.path, 'tmpfs')
    await mkdir(mountPoint)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { encoding: 'utf8' })
    if (mounted.status !== 0) mountError = `cannot mount a tmpfs here (needs root): ${(mounted.stderr ?? '').trim()}`
  })

  afterAll(async () => {
    for (const s of stores) await s.close()
    if (mountError === '') spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' })
    await dir?.cleanup()
  })

  it('refuses writes with ERR_STORAGE_FULL and keeps serving reads; reopens by itself once space is back; loses nothing acknowledged, across a restart too', async (ctx) => {
    if (mountError !== '') ctx.skip(mountError)
    const location = join(mountPoint, 'mailboxes')
    const make = (): MailboxStore => { const s = new MailboxStore(location, LIMITS, { diskRecoveryPollMs: 50 }); stores.push(s); return s }
    let store = make()
    await store.open()
    // the disk fills up: ~700 KB left for the store
    await writeFile(join(mountPoint, 'filler'), new Uint8Array(3 * 1024 * 1024 - 700 * 1024))
    const acked: string[] = []
    const refusals: string[] = []
    for (let i = 0; i < 40 && refusals.length === 0; i++) {
      const d = depositOf(100 * 1024)
      const result = await outcome(store.deposit(d))
      if (result === 'ok') acked.push(d.id)
      else refusals.push(result)
    }
    expect(acked.length, 'deposits taken before the disk filled').toBeGreaterThan(0)
    expect(refusals).toEqual([MailboxErrorCode.STORAGE_FULL])
    expect(store.writeState).toBe('full')
    expect(store.health()).toMatchObject({ backend: 'leveldb', ok: false, error: expect.stringMatching(/^disk full/) })

    // full: a small write is refused too (never appended after the torn record), reads go on
    expect(await outcome(store.deposit(depositOf(10)))).toBe(MailboxErrorCode.STORAGE_FULL)
    expect(await outcome(store.ack(MAILBOX, [acked[0]]))).toBe(MailboxErrorCode.STORAGE_FULL)
    expectEachOnce(acked, await servedIds(store))

    // space comes back: the store reopens on its own and takes deposits again
    await rm(join(mountPoint, 'filler'))
    await waitFor(() => store.writeState === 'ok', 30_000, 'the store to reopen')
    expect(store.health()).toEqual({ backend: 'leveldb', ok: true })
    for (let i = 0; i < 3; i++) {
      const d = depositOf(1000)
      expect(await outcome(store.deposit(d))).toBe('ok')
      acked.push(d.id)
    }
    expectEachOnce(acked, await servedIds(store))

    // a restart replays the log: what was acknowledged after the recovery is there too
    await store.close()
    store = make()
    await store.open()
    const served = await servedIds(store)
    expectEachOnce(acked, served)
    expect(served).toHaveLength(acked.length)
    expect(store.totalEnvelopes).toBe(acked.length)
  }, 120_000)
})
