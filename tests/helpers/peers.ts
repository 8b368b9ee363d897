/**
 * Messengers and relays in processes of their own (tests/messenger/peer-entry.ts,
 * tests/relay/relay-entry.ts), for multi-process and fault-injection tests.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { killGroup, spawnScript, type ScriptProcess } from './processes.js'

export interface Peer {
  proc: ScriptProcess
  address: string
  multiaddrs: string[]
  request: (cmd: Record<string, unknown>) => Promise<Record<string, unknown>>
}

let nextId = 1

/** Starts a messenger process in `home`; `env` adds to its environment (e.g. NODE_OPTIONS). */
export async function startPeer (home: string, args: string[], env: Record<string, string> = {}): Promise<Peer> {
  return attachPeer(spawnPeer(home, args, env))
}

/** Spawns a messenger process without waiting for it (its first mailbox drain runs before "ready"). */
export function spawnPeer (home: string, args: string[], env: Record<string, string> = {}): ScriptProcess {
  return spawnScript('tests/messenger/peer-entry.ts', ['--home', home, ...args], env)
}

/** Waits for a spawned messenger process to be ready and returns it as a Peer. */
export async function attachPeer (proc: ScriptProcess): Promise<Peer> {
  const ready = JSON.parse(await proc.waitForLine((l) => l.includes('"event":"ready"'), 60_000))
  const request = async (cmd: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = nextId++
    const answer = proc.waitForLine((l) => l.startsWith(`{"id":${id},`), 60_000)
    proc.child.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n')
    const reply = JSON.parse(await answer)
    if (reply.ok !== true) throw new Error(`${String(cmd.cmd)} failed: ${reply.error}`)
    return reply
  }
  return { proc, address: ready.address, multiaddrs: ready.multiaddrs, request }
}

/** Asks the peer to stop (SIGKILL after 10 s). */
export async function stopPeer (peer: Peer | undefined): Promise<void> {
  if (peer == null || peer.proc.child.exitCode != null || peer.proc.child.signalCode != null) return
  const exited = new Promise((resolve) => peer.proc.child.once('exit', resolve))
  peer.proc.child.stdin!.write(JSON.stringify({ id: nextId++, cmd: 'stop' }) + '\n')
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
  await killGroup(peer.proc.child)
}

export interface RelayProcess { proc: ScriptProcess, addr: string, dir: string }

/** A free TCP port on 127.0.0.1 (for a relay that must come back on the same address). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/**
 * Starts a relay process with its config and data in `dir` (data in `dir/data`, or `dataDir`),
 * listening on `port` (0: any). Restarting it on the same dir and port keeps its identity and address.
 */
export async function startRelayProcess (dir: string, options: { port?: number, dataDir?: string, limits?: Record<string, unknown> } = {}): Promise<RelayProcess> {
  await mkdir(dir, { recursive: true })
  const config = join(dir, 'relay.json')
  await writeFile(config, JSON.stringify({
    dataDir: options.dataDir ?? './data',
    listen: [`/ip4/127.0.0.1/tcp/${options.port ?? 0}`],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    log: { level: 'warn' },
    ...(options.limits != null ? { limits: options.limits } : {})
  }))
  const proc = spawnScript('tests/relay/relay-entry.ts', ['--config', config])
  const addr = await proc.waitForLine((l) => l.startsWith('/ip4/127.0.0.1/tcp/'), 60_000)
  return { proc, addr, dir }
}

/** Polls `check` every 200 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
