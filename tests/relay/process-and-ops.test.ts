import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Libp2p } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { ConfigError } from '../../src/relay/errors.js'
import { defaultRelayConfig, loadRelayConfig, parseRelayArgs, parseRelayConfig } from '../../src/relay/config/index.js'
import { relayMain } from '../../src/relay/relay-main.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay } from './helpers.js'

const root = new URL('../../', import.meta.url).pathname

/** Starts the relay entry script in a child process; resolves with its printed multiaddrs. */
async function spawnRelay (configPath: string): Promise<{ child: ChildProcess, addrs: string[] }> {
  const child = spawn(process.execPath, [join(root, 'node_modules/.bin/tsx'), join(root, 'tests/relay/relay-entry.ts'), '--config', configPath], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // tsx runs the script in a child of its own: a process group lets SIGKILL reach both
    detached: true
  })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += String(d) })
  const addrs: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`relay did not start: ${stderr}`)) }, 30_000)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      if (line.startsWith('/')) { addrs.push(line); clearTimeout(timer); resolve() }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited (${code}): ${stderr}`)) })
  })
  return { child, addrs }
}

/** SIGKILL to the whole process group (tsx and the relay it runs). */
async function killGroup (child: ChildProcess): Promise<void> {
  const exited = child.exitCode != null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve))
  try { process.kill(-child.pid!, 'SIGKILL') } catch { /* already gone */ }
  await exited
}

describe('relay as a separate process', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let node: Libp2p
  let child: ChildProcess | undefined

  beforeAll(async () => {
    dir = await tempDir('parley-relay-proc-')
    node = await startClient()
  })

  afterAll(async () => {
    if (child != null) await killGroup(child)
    await node?.stop()
    await dir?.cleanup()
  })

  it('prints its addresses, keeps a deposit through SIGKILL and restart, and serves it', async () => {
    const configPath = join(dir.path, 'relay.json')
    await writeFile(configPath, JSON.stringify({
      dataDir: './data',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      metrics: { port: 0 },
      provide: { enabled: false },
      log: { level: 'warn' }
    }))
    const first = await spawnRelay(configPath)
    child = first.child
    expect(first.addrs.length).toBeGreaterThan(0)
    expect(first.addrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    const owner = makeOwner()
    const envelope = makeEnvelope(owner.deviceKey)
    const sender = new MailboxClient(node)
    expect(await sender.deposit(first.addrs[0], envelope)).toEqual({ duplicate: false })
    await sender.stop()
    await killGroup(child)

    const second = await spawnRelay(configPath)
    child = second.child
    const peerId = (a: string): string => a.slice(a.lastIndexOf('/p2p/') + 5)
    expect(peerId(second.addrs[0])).toBe(peerId(first.addrs[0]))
    const fetcher = new MailboxClient(node)
    const page = await fetcher.fetch(second.addrs[0], owner)
    expect(page.envelopes.map((e) => hex(e.id))).toEqual([hex(envelope.id)])
    await fetcher.stop()
    // graceful stop on SIGTERM
    child.kill('SIGTERM')
    const code = await new Promise((resolve) => child!.once('exit', resolve))
    expect(code).toBe(0)
    child = undefined
  })
})

describe('metrics, health and config', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let node: Libp2p

  beforeAll(async () => {
    dir = await tempDir('parley-relay-ops-')
    relay = await startTestRelay(dir.path)
    node = await startClient()
  })

  afterAll(async () => {
    await node?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('serves Prometheus counters after activity and /healthz', async () => {
    const client = new MailboxClient(node)
    const owner = makeOwner()
    for (let i = 0; i < 3; i++) await client.deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey, { payload: new Uint8Array(100) }))
    await client.fetch(relay.multiaddrs[0], owner)
    await client.deposit(relay.multiaddrs[0], makeEnvelope(owner.deviceKey, { payload: new Uint8Array(300 * 1024) })).catch(() => {})
    await client.stop()
    expect(relay.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    const text = await (await fetch(`http://${relay.metricsAddress}/metrics`)).text()
    expect(text).toMatch(/^parley_relay_mailboxes 1$/m)
    expect(text).toMatch(/^parley_relay_stored_envelopes 3$/m)
    expect(text).toMatch(/^parley_relay_stored_bytes \d{3,}$/m)
    expect(text).toMatch(/^parley_relay_deposits_total\{result="stored"\} 3$/m)
    expect(text).toMatch(/^parley_relay_fetches_total 1$/m)
    expect(text).toMatch(/^parley_relay_refusals_total\{reason="ERR_ENVELOPE_TOO_LARGE"\} 1$/m)
    expect(text).toMatch(/^parley_relay_connections \d+$/m)
    expect(text).toMatch(/^parley_relay_reservations 0$/m)
    expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(10 * 2 ** 20)
    expect(text).toMatch(/^nodejs_heap_used_bytes \d+$/m)
    expect(text).not.toMatch(/[0-9a-f]{64}/) // no device keys or ids
    const health = await fetch(`http://${relay.metricsAddress}/healthz`)
    expect(health.status).toBe(200)
    // the first line is the verdict; the next names the mailbox database and its state
    expect(await health.text()).toBe('ok\ndatabase: leveldb up\n')
  })

  it('validates the config file and names the offending field', async () => {
    const example = await loadRelayConfig(join(root, 'examples/relay.json'))
    expect(example.listen).toEqual(['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'])
    expect(example.dataDir).toBe(join(root, 'examples/relay-data'))
    expect(example).toEqual({ ...defaultRelayConfig(join(root, 'examples')) })

    const fieldOf = (input: unknown): string => {
      try { parseRelayConfig(input) } catch (err) { expect(err).toBeInstanceOf(ConfigError); return (err as ConfigError).field }
      return 'none'
    }
    expect(fieldOf({ listen: ['not a multiaddr'] })).toBe('listen[0]')
    expect(fieldOf({ limits: { retentionMs: -1 } })).toBe('limits.retentionMs')
    expect(fieldOf({ limits: { depositRate: { perSecond: 0 } } })).toBe('limits.depositRate.perSecond')
    expect(fieldOf({ limits: { nope: 1 } })).toBe('limits.nope')
    expect(fieldOf({ metrics: { port: 70000 } })).toBe('metrics.port')
    expect(fieldOf({ colour: 'blue' })).toBe('colour')
    expect(fieldOf([])).toBe('(root)')

    const { configPath, overrides } = parseRelayArgs(['--config', 'x.json', '--data', '/tmp/r', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen=/ip4/127.0.0.1/tcp/0/ws', '--metrics-port', '0'])
    expect(configPath).toBe('x.json')
    const merged = parseRelayConfig(overrides, { base: example })
    expect(merged.dataDir).toBe('/tmp/r')
    expect(merged.listen).toHaveLength(2)
    expect(merged.metrics.port).toBe(0)
    expect(merged.limits.retentionMs).toBe(example.limits.retentionMs)
    expect(() => parseRelayArgs(['--bogus'])).toThrow(ConfigError)
  })

  it('relayMain prints full multiaddrs and stops on its signal', async () => {
    const lines: string[] = []
    const logs: string[] = []
    const controller = new AbortController()
    const done = relayMain(['--data', join(dir.path, 'main'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-metrics', '--log-level', 'info'], {
      out: (l) => { lines.push(l); if (l.startsWith('/')) controller.abort() },
      err: (l) => { logs.push(l) },
      signal: controller.signal,
      handleSignals: false
    })
    expect(await done).toBe(0)
    expect(lines[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    const parsed = logs.map((l) => JSON.parse(l) as { msg: string, level: string })
    expect(parsed.map((l) => l.msg)).toContain('relay started')
    expect(parsed.map((l) => l.msg)).toContain('relay stopped')
    expect(await relayMain(['--listen', 'garbage'], { err: () => {}, handleSignals: false })).toBe(2)
  })
})
