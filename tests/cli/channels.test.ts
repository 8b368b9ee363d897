import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir, waitFor } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, type TestDaemon, type Watched } from '../daemon/helpers.js'

describe('parley channels against two daemons and a relay keeping channel history', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  const home = (name: string): string => join(dir.path, name)
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli(args)
    if (r.code !== 0) throw new Error(`parley ${args.join(' ')} → ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  beforeAll(async () => {
    dir = await tempDir('parley-cli-channels-')
    const [r, initA, initB] = await Promise.all([
      startRelay(dir.path, { channels: { keep: 'all' } }),
      runCli(['init', '--home', home('alice')]),
      runCli(['init', '--home', home('bob')])
    ])
    relay = r
    for (const init of [initA, initB]) expect(init.code, init.stderr).toBe(0)
    alice = await startDaemon(home('alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(home('bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('create prints a link; post, follow, list and posts work end to end; a follower cannot post', async () => {
    const link = (await cli('channels', 'create', 'news', '--home', home('alice'))).trim()
    expect(link).toMatch(/^parley:\/\/channel\/[A-Za-z0-9_-]{43}\?name=news$/)
    expect((await cli('channels', 'post', 'news', 'first post', '--home', home('alice'))).trim()).toBe('1')
    expect((await cli('channels', 'post', 'news', 'second post', '--home', home('alice'))).trim()).toBe('2')

    expect(await cli('channels', 'follow', link, '--home', home('bob'))).toMatch(/^news {2}[0-9a-f]{32} {2}subscriber/)
    const list = JSON.parse(await cli('channels', 'list', '--json', '--home', home('bob'))) as Array<{ name: string, role: string }>
    expect(list.map((c) => [c.name, c.role])).toEqual([['news', 'subscriber']])
    await waitFor(async () => (JSON.parse(await cli('channels', 'posts', 'news', '--json', '--home', home('bob'))) as unknown[]).length === 2, 30_000, 'both posts at bob')
    const posts = JSON.parse(await cli('channels', 'posts', 'news', '--json', '--home', home('bob'))) as Array<{ seq: number, text: string }>
    expect(posts.map((p) => [p.seq, p.text])).toEqual([[1, 'first post'], [2, 'second post']])

    const refused = await runCli(['channels', 'post', 'news', 'not mine', '--home', home('bob')])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('ERR_CHANNEL_READ_ONLY')
  }, 120_000)

  it('react, unreact and tally: the reader reacts, the owner publishes the counts, both see them', async () => {
    expect(await cli('channels', 'react', 'news', '1', '🔥', '--home', home('bob'))).toContain('(you: 🔥)')
    const tally = JSON.parse(await cli('channels', 'tally', 'news', '--json', '--home', home('alice'))) as { opened: number, changed: number[] }
    expect(tally).toMatchObject({ opened: 1, changed: [1] })
    for (const who of ['alice', 'bob']) {
      await waitFor(async () => (await cli('channels', 'posts', 'news', '--home', home(who))).split('\n')[0].includes('[🔥 1]'), 30_000, `the count at ${who}`)
    }
    const refused = await runCli(['channels', 'tally', 'news', '--home', home('bob')])
    expect(refused.stderr).toContain('ERR_NOT_ALLOWED')
    expect(await cli('channels', 'unreact', 'news', '1', '--home', home('bob'))).not.toContain('(you:')
  }, 120_000)

  it('post --file streams a file with its caption; a follower downloads it, verified, byte for byte', async () => {
    const bytes = Buffer.concat([Buffer.from('PARLEY-CLI-CHANNEL-FILE'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256))])
    const path = join(dir.path, 'report.bin')
    await writeFile(path, bytes)
    const seq = (await cli('channels', 'post', 'news', 'the report', '--file', path, '--mime', 'application/pdf', '--home', home('alice'))).trim()
    expect(Number(seq)).toBeGreaterThan(2)
    await waitFor(async () => (await cli('channels', 'posts', 'news', '--home', home('bob'))).includes(`#${seq} `), 30_000, 'the file post at bob')
    const line = (await cli('channels', 'posts', 'news', '--home', home('bob'))).split('\n').find((l) => l.startsWith(`#${seq} `))
    expect(line).toContain('the report  [file: report.bin, 300023 bytes]')
    const out = join(dir.path, 'bob-downloads')
    await mkdir(out)
    const written = (await cli('channels', 'download', 'news', seq, '--out', out, '--home', home('bob'))).trim()
    expect(written).toBe(join(out, 'report.bin'))
    expect(Buffer.compare(await readFile(written), bytes)).toBe(0)

    // no file, no text: a usage error; a missing file: named
    expect((await runCli(['channels', 'post', 'news', '--home', home('alice')])).stderr).toContain('--file')
    expect((await runCli(['channels', 'post', 'news', '--file', join(dir.path, 'nope.bin'), '--home', home('alice')])).stderr).toContain('no such file')
    // a post without a file has nothing to download
    expect((await runCli(['channels', 'download', 'news', '1', '--out', out, '--home', home('bob')])).stderr).toContain('no file')
  }, 180_000)
})
