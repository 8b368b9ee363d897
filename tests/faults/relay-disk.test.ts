/**
 * A relay's disk under faults: restarted after a torn last write (a half-written record at the
 * end of its LevelDB log), and a full disk (its data on a small tmpfs: refused with
 * ERR_STORAGE_FULL, recovered without a restart). Afterwards the relay opens, every acknowledged
 * deposit is served exactly once, and it takes deposits again.
 */
import { spawnSync } from 'node:child_process'
import { appendFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { tempDir } from '../helpers/network.js'
import { freePort, startRelayProcess, type RelayProcess } from '../helpers/peers.js'
import { killGroup } from '../helpers/processes.js'
import { waitFor } from '../helpers/wait.js'
import { hex, makeEnvelope, makeOwner, startClient, type TestOwner } from '../relay/helpers.js'

/** Every envelope id the relay serves `owner`, page by page (not acked: a read). */
async function servedIds (client: MailboxClient, relay: string, owner: TestOwner): Promise<string[]> {
  const ids: string[] = []
  let cursor: Uint8Array | undefined
  for (;;) {
    const page = await client.fetch(relay, owner, { limit: 100, ...(cursor != null ? { cursor } : {}), signal: AbortSignal.timeout(20_000) })
    ids.push(...page.envelopes.map((e) => hex(e.id)))
    if (!page.more) return ids
    cursor = page.cursor
  }
}

function expectEachOnce (acked: string[], served: string[]): void {
  expect(served.filter((id, i) => served.indexOf(id) !== i), 'served twice').toEqual([])
  expect(acked.filter((id) => !served.includes(id)), 'acknowledged but not served').toEqual([])
}

/** The newest LevelDB write-ahead log under `dir`. */
async function newestLog (dir: string): Promise<string> {
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()
  if (logs.length === 0) throw new Error(`no .log file in ${dir}`)
  return join(dir, logs[logs.length - 1])
}

describe('fault injection: a relay\'s disk', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let node: Libp2p
  const relays: RelayProcess[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-faults-disk-')
    node = await startClient()
  })

  afterAll(async () => {
    for (const r of relays) await killGroup(r.proc.child)
    await node?.stop()
    spawnSync('umount', ['-l', join(dir.path, 'tmpfs')], { stdio: 'ignore' })
    await dir?.cleanup()
  })

  it('restarted after a torn last write: opens, serves every acknowledged deposit once, takes new ones', async () => {
    const port = await freePort()
    const relayDir = join(dir.path, 'torn')
    let relay = await startRelayProcess(relayDir, { port })
    relays.push(relay)
    const owner = makeOwner()
    const client = new MailboxClient(node)
    const acked: string[] = []
    for (let i = 0; i < 30; i++) {
      const envelope = makeEnvelope(owner.deviceKey)
      await client.deposit(relay.addr, envelope)
      acked.push(hex(envelope.id))
    }
    await killGroup(relay.proc.child)
    await client.stop()

    // the process died while writing its next record: a header promising 4000 bytes, 100 written
    const log = await newestLog(join(relayDir, 'data', 'mailboxes'))
    const before = (await stat(log)).size
    const torn = new Uint8Array(7 + 100)
    torn.set([0x12, 0x34, 0x56, 0x78, 4000 & 0xff, 4000 >> 8, 1])
    torn.fill(0xab, 7)
    await appendFile(log, torn)
    expect((await stat(log)).size).toBe(before + torn.length)

    relay = await startRelayProcess(relayDir, { port })
    relays.push(relay)
    const reader = new MailboxClient(node)
    expectEachOnce(acked, await servedIds(reader, relay.addr, owner))
    const next = makeEnvelope(owner.deviceKey)
    expect(await reader.deposit(relay.addr, next)).toEqual({ duplicate: false })
    expect(await servedIds(reader, relay.addr, owner)).toContain(hex(next.id))
    await reader.stop()
    await killGroup(relay.proc.child)
  }, 120_000)

  it('disk full: deposits are refused with a retryable ERR_STORAGE_FULL, reads still served; once space returns the relay takes deposits again without a restart; everything acknowledged served once, after a restart too', async (ctx) => {
    const mountPoint = join(dir.path, 'tmpfs')
    await mkdir(mountPoint, { recursive: true })
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mountPoint], { encoding: 'utf8' })
    if (mounted.status !== 0) ctx.skip(`cannot mount a tmpfs here (needs root): ${mounted.stderr.trim()}`)

    const port = await freePort()
    const dataDir = join(mountPoint, 'data')
    let relay = await startRelayProcess(join(dir.path, 'full'), { port, dataDir })
    relays.push(relay)
    const owner = makeOwner()
    const client = new MailboxClient(node)
    // the recipient has logged in once (its mailbox is owned): it reads on a full disk too
    expect(await servedIds(client, relay.addr, owner)).toEqual([])
    // the disk fills up: leave ~1.5 MB for the relay
    await writeFile(join(mountPoint, 'filler'), new Uint8Array(4 * 1024 * 1024 + 512 * 1024))
    const acked: string[] = []
    const refusals: string[] = []
    for (let i = 0; i < 40 && refusals.length < 3; i++) {
      const envelope = makeEnvelope(owner.deviceKey, { payload: new Uint8Array(120 * 1024).fill(i) })
      try {
        await client.deposit(relay.addr, envelope, { signal: AbortSignal.timeout(20_000) })
        acked.push(hex(envelope.id))
      } catch (err) {
        refusals.push((err as { code?: string }).code ?? (err as Error).message)
      }
    }
    expect(refusals.length, `deposits refused on a full disk (acked ${acked.length})`).toBeGreaterThan(0)
    // typed, retryable refusals; the relay process is still up and serves what it holds
    expect(new Set(refusals)).toEqual(new Set(['ERR_STORAGE_FULL']))
    expect(relay.proc.child.exitCode).toBeNull()
    // the owner logs in again on a new stream (its login time cannot be written) and reads
    const fullDiskReader = new MailboxClient(node)
    expectEachOnce(acked, await servedIds(fullDiskReader, relay.addr, owner))
    await fullDiskReader.stop()
    // space comes back: the relay reopens its database by itself and takes deposits again
    await rm(join(mountPoint, 'filler'))
    let after: Awaited<ReturnType<typeof makeEnvelope>> | undefined
    await waitFor(async () => {
      const envelope = makeEnvelope(owner.deviceKey)
      try {
        await client.deposit(relay.addr, envelope, { signal: AbortSignal.timeout(20_000) })
      } catch (err) {
        expect((err as { code?: string }).code, 'refusal while recovering').toMatch(/^ERR_(STORAGE_FULL|STORE_UNAVAILABLE)$/)
        return false
      }
      after = envelope
      return true
    }, 60_000, 'a deposit taken after space returned')
    if (after != null) acked.push(hex(after.id))
    expectEachOnce(acked, await servedIds(client, relay.addr, owner))
    await client.stop()
    await killGroup(relay.proc.child)
    relay = await startRelayProcess(join(dir.path, 'full'), { port, dataDir })
    relays.push(relay)
    const reader = new MailboxClient(node)
    expectEachOnce(acked, await servedIds(reader, relay.addr, owner))
    const next = makeEnvelope(owner.deviceKey)
    expect(await reader.deposit(relay.addr, next)).toEqual({ duplicate: false })
    await reader.stop()
    await killGroup(relay.proc.child)
  }, 180_000)
})
