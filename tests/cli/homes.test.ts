import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { PUBLIC_ACCOUNT_FILE } from '../../src/cli/public-account.js'
import { tempDir } from '../helpers/network.js'
import { runCli, spawnCli } from '../daemon/helpers.js'

describe('homes: where parley keeps things, and what works without a daemon', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { dir = await tempDir('parley-homes-') })
  afterAll(async () => { await dir.cleanup() })

  for (const how of ['--home', 'PARLEY_HOME'] as const) {
    it(`parley relay keeps its data under the home (${how}), not in the current folder`, async () => {
      const home = join(dir.path, `relay-home-${how}`)
      const cwd = join(dir.path, `cwd-${how}`)
      await mkdir(cwd, { recursive: true })
      const args = ['relay', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-metrics', '--log-level', 'warn']
      const relay = how === '--home'
        ? spawnCli(['--home', home, ...args], { cwd })
        : spawnCli(args, { cwd, env: { PARLEY_HOME: home } })
      try {
        await relay.line(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
        expect((await stat(join(home, 'relay'))).isDirectory()).toBe(true)
        expect(await readdir(cwd)).toEqual([])
      } finally {
        expect(await relay.stop(5000)).toBe(0)
      }
    })
  }

  it('parley id prints the address and invite link with no daemon running', async () => {
    const home = join(dir.path, 'alice')
    const init = await runCli(['--home', home, 'init'])
    expect(init.code, init.stderr).toBe(0)
    const address = /^account: (\S+)/m.exec(init.stdout)?.[1]
    const invite = /^invite: +(\S+)/m.exec(init.stdout)?.[1]
    expect(address).toBeDefined()

    // from the public file, without the passphrase
    const id = await runCli(['--home', home, 'id'], { env: { PARLEY_PASSPHRASE: '' } })
    expect(id.code, id.stderr).toBe(0)
    expect(id.stdout.trim().split('\n')).toEqual([address, invite])

    // a home from before that file: read from the store with the passphrase, and the file comes back
    await rm(join(home, PUBLIC_ACCOUNT_FILE))
    const fromStore = await runCli(['--home', home, 'id', '--json'])
    expect(fromStore.code, fromStore.stderr).toBe(0)
    expect(JSON.parse(fromStore.stdout)).toEqual({ address, inviteLink: invite })
    expect((await stat(join(home, PUBLIC_ACCOUNT_FILE))).isFile()).toBe(true)
  })

  it('parley id on a home with no account says so', async () => {
    const id = await runCli(['--home', join(dir.path, 'nobody'), 'id'])
    expect(id.code).toBe(EXIT.noAccount)
    expect(id.stderr).toMatch(/No account in .*parley init/)
  })
})
