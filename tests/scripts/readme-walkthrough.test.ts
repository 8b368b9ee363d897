/**
 * README.md's "Five-minute walk-through", run from the README itself: its ```sh blocks are
 * read from the file and run by bash in order, each long-running command (relay, daemons, example
 * server) as its own process, as the four terminals of the walk-through would. Only the fixed
 * ports (4001, 4002, 9464, 7701, 7702, 8080) are replaced by free ones, `/tmp/parley-walk` and
 * `/tmp/relay.json` by a fresh temporary directory, and the `12D3KooW…` the reader copies from the
 * relay's output by what the relay printed; the environment is the daemon tests' (a cheap KDF).
 * Step 5's page is driven in Chromium as the README says (paste Alice's address into "Add
 * contact", send). A change to the README's commands that stops them working fails this test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'
import { childEnv, watch, type Watched } from '../daemon/helpers.js'
import { tempDir } from '../helpers/network.js'
import { freePort } from '../helpers/peers.js'
import { killGroup, ROOT } from '../helpers/processes.js'

const FIXED_PORTS = [4001, 4002, 9464, 7701, 7702, 8080]

/** The walk-through's ```sh blocks, in order. */
async function walkthroughBlocks (): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('## Five-minute walk-through')
  const end = readme.indexOf('\n## ', start + 1)
  expect(start, 'the README has its walk-through').toBeGreaterThan(0)
  const section = readme.slice(start, end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])
}

const lines = (block: string): string[] => block.split('\n').filter((l) => l.trim() !== '')

describe('README walk-through, run as written', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const ports = new Map<number, number>()
  const running: Array<{ child: ChildProcess }> = []
  let browser: Browser | undefined
  let blocks: string[]
  /** Exports made so far (RELAY, A, B): each terminal has them. */
  const exports: string[] = []

  /** The README's text with only ports and the /tmp directory replaced. */
  const local = (text: string): string => {
    let out = text.replaceAll('/tmp/parley-walk', join(dir.path, 'walk')).replaceAll('/tmp/relay.json', join(dir.path, 'relay.json'))
    for (const [fixed, free] of ports) out = out.replace(new RegExp(`(?<=[:/ ])${fixed}(?=\\b)`, 'g'), String(free))
    return out
  }
  const prelude = (): string => local(['shopt -s expand_aliases', lines(blocks[0])[0], ...exports].join('\n'))
  /** One command as terminal 4 runs it: exit code and output. */
  const run = async (command: string): Promise<{ code: number | null, stdout: string, stderr: string }> => {
    const child = spawn('bash', ['-c', `${prelude()}\n${local(command)}`], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += String(d) })
    child.stderr.on('data', (d) => { stderr += String(d) })
    const code = await new Promise<number | null>((resolve) => { child.once('exit', resolve) })
    return { code, stdout, stderr }
  }
  const ok = async (command: string): Promise<string> => {
    const result = await run(command)
    expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0)
    return result.stdout
  }
  /** A long-running command in a terminal of its own (its own process group). */
  const terminal = (command: string, what: string): Watched => {
    const child = spawn('bash', ['-c', `${prelude()}\n${local(command)}`], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    running.push({ child })
    return watch(child, what)
  }
  const ctrlC = async (w: Watched): Promise<void> => { await killGroup(w.child, 'SIGINT') }

  beforeAll(async () => {
    dir = await tempDir('parley-readme-')
    for (const p of FIXED_PORTS) ports.set(p, await freePort())
    blocks = await walkthroughBlocks()
    expect(blocks).toHaveLength(6)
    expect(lines(blocks[0])[0]).toMatch(/^alias parley=/)
  })

  afterAll(async () => {
    await browser?.close()
    for (const { child } of running.reverse()) await killGroup(child)
    await dir?.cleanup()
  })

  it('steps 1–5: a relay, two daemons that talk, offline delivery, and a page talking to Alice’s daemon', { timeout: 600_000 }, async () => {
    // 1. the relay: its config, then `parley relay`; the reader copies its /tcp/4001/p2p/… address
    const [writeConfig, startRelay, exportRelay] = lines(blocks[1])
    await ok(writeConfig)
    const relay = terminal(startRelay, 'relay')
    const tcpPrefix = local(exportRelay.replace(/^export RELAY=/, '').replace(/12D3KooW….*$/, ''))
    const relayTcp = await relay.line(new RegExp(`^${tcpPrefix.replaceAll('/', '\\/')}12D3KooW\\w+$`), 120_000)
    exports.push(`export RELAY=${relayTcp}`)
    // 2. the daemons, each in its terminal: ready once they print their ui: link
    const [aliceCommand, bobCommand] = lines(blocks[2])
    const alice = terminal(aliceCommand, 'alice daemon')
    let bob = terminal(bobCommand, 'bob daemon')
    await alice.line(/^ui: /, 180_000)
    await bob.line(/^ui: /, 180_000)
    // 3. talk, line by line
    const talk = lines(blocks[3])
    expect(talk[0]).toMatch(/^export A=/)
    exports.push(talk[0])
    const outputs: string[] = []
    for (const command of talk.slice(1)) outputs.push(await ok(command))
    expect(outputs.join('\n')).toContain('Hello Bob!')
    // 4. offline delivery: Bob's daemon stopped (Ctrl-C), Alice sends, Bob's daemon again (same command)
    await ctrlC(bob)
    const away = lines(blocks[4])[0]
    expect(await ok(away)).toMatch(/stored/)
    bob = terminal(bobCommand, 'bob daemon again')
    await bob.line(/^ui: /, 180_000)
    await expect.poll(async () => ok('parley --home $B messages alice'), { timeout: 60_000, interval: 1000 }).toContain('While you were away')

    // 5. the example page against the relay's WebSocket address (the /tcp/4002/ws/p2p/… it printed)
    const serve = lines(blocks[5])[0]
    const wsPrefix = local(serve.replace(/^.*--relay /, '').replace(/12D3KooW….*$/, ''))
    const relayWs = await relay.line(new RegExp(`^${wsPrefix.replaceAll('/', '\\/')}12D3KooW\\w+$`))
    const server = terminal(serve.replace(/--relay \S+$/, `--relay ${relayWs}`), 'example server')
    const pageUrl = `http://127.0.0.1:${String(ports.get(8080))}/`
    await server.line(new RegExp(pageUrl.replaceAll('/', '\\/').replaceAll('.', '\\.')), 300_000)
    const aliceAddress = (await ok('parley --home $A id | head -1')).trim()
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    const page = await (await browser.newContext()).newPage()
    await page.goto(pageUrl)
    await page.locator('parley-chat .me', { hasText: 'You:' }).waitFor({ timeout: 60_000 })
    await page.waitForFunction(() => (document.querySelector('parley-chat') as any).messenger.node.isPublished === true, undefined, { timeout: 60_000 })
    const pageAddress = await page.evaluate(() => (document.querySelector('parley-chat') as any).messenger.address as string)
    await page.locator('parley-chat #add-address').fill(aliceAddress)
    await page.locator('parley-chat #add-address').press('Enter')
    await page.locator('parley-chat #compose').fill('hello from the README page')
    await page.locator('parley-chat #compose').press('Enter')
    await page.locator('parley-chat li.msg.out', { hasText: 'hello from the README page' }).locator('.ticks', { hasText: /^✓✓via relay/ }).waitFor({ timeout: 60_000 })
    // "parley --home $A messages <the page's address>" shows it
    expect(await ok(`parley --home $A messages ${pageAddress}`)).toContain('hello from the README page')

    // "with the relay stopped it says so: `offline: relay unreachable: …` (`degraded: …` while …)"; "start the relay again and
    // the page and the daemon re-dial it by themselves and receive what waited for them at once"
    await ctrlC(relay)
    await page.locator('parley-chat .status', { hasText: /relay unreachable/ }).waitFor({ timeout: 60_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nstatus: ${await page.locator('parley-chat .status').textContent()}`)
    })
    expect(await page.locator('parley-chat .status').textContent()).toMatch(/^(offline|degraded): relay unreachable/)
    const again = terminal(startRelay, 'relay again')
    await again.line(new RegExp(`^${tcpPrefix.replaceAll('/', '\\/')}12D3KooW\\w+$`), 120_000)
    await page.locator('parley-chat .status', { hasText: /^online/ }).waitFor({ timeout: 60_000 })
    await expect.poll(async () => JSON.parse(await ok('parley --home $A status --json')).reachability.relays[0].connected, { timeout: 60_000, interval: 1000 }).toBe(true)
    await ok(`parley --home $A send ${pageAddress} 'welcome back, page' --wait`)
    await page.locator('parley-chat li.msg.in', { hasText: 'welcome back, page' }).waitFor({ timeout: 30_000 })
  })
})
