import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { MAX_PASSPHRASE_FILE_BYTES, readPassphrase } from '../../src/cli/passphrase.js'
import { tempDir } from '../helpers/network.js'
import { runCli } from '../daemon/helpers.js'

// `--passphrase-file` pointed at something endless or huge must fail fast, not read it all.
describe('--passphrase-file is read with a size bound', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { dir = await tempDir('parley-passfile-') })
  afterAll(async () => { await dir?.cleanup() })

  it('refuses /dev/zero with ERR_PASSPHRASE_FILE_TOO_LARGE (usage exit), at once', async () => {
    const run = await runCli(['init', '--passphrase-file', '/dev/zero', '--home', join(dir.path, 'zero')], { timeoutMs: 20_000 })
    expect(run.stderr).toContain('ERR_PASSPHRASE_FILE_TOO_LARGE')
    expect(run.code).toBe(EXIT.usage)
  })

  it('refuses a file over the bound and creates no account', async () => {
    const big = join(dir.path, 'big-passphrase')
    await writeFile(big, 'p'.repeat(1024 * 1024))
    const run = await runCli(['init', '--passphrase-file', big, '--home', join(dir.path, 'big')])
    expect(run.stderr).toContain('ERR_PASSPHRASE_FILE_TOO_LARGE')
    expect(run.code).toBe(EXIT.usage)
    // no account was created: an init with a sane passphrase succeeds afterwards
    const again = await runCli(['init', '--home', join(dir.path, 'big')])
    expect(again.code, again.stderr).toBe(EXIT.ok)
  })

  it('reads a file of exactly the bound; one byte more is refused', async () => {
    const exact = join(dir.path, 'exact')
    await writeFile(exact, `${'a'.repeat(MAX_PASSPHRASE_FILE_BYTES - 1)}\n`)
    expect(await readPassphrase({ file: exact })).toBe('a'.repeat(MAX_PASSPHRASE_FILE_BYTES - 1))
    const over = join(dir.path, 'over')
    await writeFile(over, 'a'.repeat(MAX_PASSPHRASE_FILE_BYTES + 1))
    await expect(readPassphrase({ file: over })).rejects.toMatchObject({ code: 'ERR_PASSPHRASE_FILE_TOO_LARGE' })
  })
})
