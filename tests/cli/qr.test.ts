/**
 * QR codes in the terminal: `parley id --qr` draws the invite link (not without a terminal unless
 * asked, so scripts reading two lines keep working), and the drawing is a well-formed code.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { terminalQr, wantsQr, formatMessage } from '../../src/cli/format.js'
import { tempDir } from '../helpers/network.js'
import { runCli } from '../daemon/helpers.js'

const dir = await tempDir('parley-cli-qr-')
afterAll(async () => { await dir.cleanup() })

describe('terminal QR codes', () => {
  it('draws a square code of half blocks with a quiet zone', async () => {
    const lines = (await terminalQr('parley:37ErprkQxNFnvLyaE5x4VCJzK2odNpheURogW4xDqYQrJGswMg')).split('\n')
    const width = [...lines[0]].length
    expect(lines.every((l) => [...l].length === width)).toBe(true)
    // two modules per character row: about half as many rows as columns
    expect(Math.abs(lines.length - Math.ceil(width / 2))).toBeLessThanOrEqual(1)
    expect(lines.join('')).toMatch(/[▀▄█]/)
    expect(wantsQr({}, true)).toBe(true)
    expect(wantsQr({}, false)).toBe(false)
    expect(wantsQr({ qr: true }, false)).toBe(true)
    expect(wantsQr({ qr: false }, true)).toBe(false)
  })

  it('`parley id --qr` prints the invite link as a QR code; without a terminal, only when asked', async () => {
    const home = join(dir.path, 'alice')
    const init = await runCli(['--home', home, 'init'])
    expect(init.code, init.stderr).toBe(0)
    const plain = await runCli(['--home', home, 'id'], { env: { PARLEY_PASSPHRASE: '' } })
    expect(plain.stdout.trim().split('\n')).toHaveLength(2)
    const qr = await runCli(['--home', home, 'id', '--qr'], { env: { PARLEY_PASSPHRASE: '' } })
    expect(qr.code, qr.stderr).toBe(0)
    const [address, invite, ...drawing] = qr.stdout.replace(/\n$/, '').split('\n')
    expect(invite).toContain(address)
    expect(drawing.join('\n')).toBe(await terminalQr(invite))
  })

  it('shows notices as a sentence, not as an unsupported message', () => {
    const line = formatMessage({ id: 'n1', conversationId: 'c', direction: 'in', sender: 'b', sentAt: 0, clock: 1, kind: 'notice', text: 'took a screenshot', reactions: {}, status: 'received', expiresAt: null, forwardable: false }, 'Bob')
    expect(line).toContain('* Bob took a screenshot')
  })
})
