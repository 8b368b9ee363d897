/**
 * `parley send-file` / `parley download` / `parley messages --json` against two real daemons
 * and a relay (processes on 127.0.0.1): the file streams through the local API both ways and
 * arrives byte-identical; the JSON listing shows the attachment.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from '../daemon/helpers.js'

describe('parley send-file and download against two daemons', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let bobEvents: EventTap | undefined
  const home = (name: string): string => join(dir.path, name)
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli(args)
    if (r.code !== 0) throw new Error(`parley ${args.join(' ')} → ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  beforeAll(async () => {
    dir = await tempDir('parley-cli-files-')
    const [r, initA, initB] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', home('alice')]), runCli(['init', '--home', home('bob')])])
    relay = r
    for (const init of [initA, initB]) expect(init.code, init.stderr).toBe(0)
    alice = await startDaemon(home('alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(home('bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    bobEvents = await tapEvents(bob.apiUrl, (await readFile(join(home('bob'), 'api-token'), 'utf8')).trim())
    const bobInvite = (await cli('id', '--home', home('bob'))).split('\n')[1]
    await cli('contacts', 'add', bobInvite, '--name', 'Bob', '--home', home('alice'))
    await cli('contacts', 'add', alice.address, '--name', 'Alice', '--home', home('bob'))
  })

  afterAll(async () => {
    bobEvents?.close()
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('sends a 3 MiB file, downloads it on the other side byte-identical, and lists it with --json', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 253
    const sha = createHash('sha256').update(bytes).digest('hex')
    const path = join(dir.path, 'report.pdf')
    await writeFile(path, bytes)
    const arrived = bobEvents!.next('message', (d) => d.message.kind === 'file')
    const id = (await cli('send-file', 'Bob', path, '--mime', 'application/pdf', '--home', home('alice'))).trim()
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect((await arrived).message.id).toBe(id)
    const out = join(dir.path, 'downloads')
    await mkdir(out)
    const written = (await cli('download', 'Alice', id, '--out', out, '--home', home('bob'))).trim()
    expect(written).toBe(join(out, 'report.pdf'))
    expect(createHash('sha256').update(await readFile(written)).digest('hex')).toBe(sha)
    const listed = JSON.parse(await cli('messages', 'Alice', '--json', '--home', home('bob'))) as Array<{ id: string, attachment?: unknown }>
    expect(listed.find((m) => m.id === id)?.attachment).toEqual({ name: 'report.pdf', size: bytes.length, mime: 'application/pdf', sha256: sha, state: 'complete' })
    const missing = await runCli(['send-file', 'Bob', join(dir.path, 'nope.bin'), '--home', home('alice')])
    expect(missing.code).not.toBe(0)
  })
})
