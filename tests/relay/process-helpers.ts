import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const root = new URL('../../', import.meta.url).pathname

/** A relay in a child process of its own (`tests/relay/relay-entry.ts`), with the addresses it printed. */
export interface RelayProcess {
  child: ChildProcess
  addrs: string[]
}

/** Starts the relay entry script with `--config FILE`; resolves once it printed its multiaddrs. */
export async function spawnRelayProcess (configPath: string): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(root, 'node_modules/.bin/tsx'), join(root, 'tests/relay/relay-entry.ts'), '--config', configPath], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // tsx runs the script in a child of its own: a process group lets SIGKILL reach both
    detached: true
  })
  let stderr = ''
  child.stderr?.on('data', (d) => { stderr += String(d) })
  const addrs: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`relay did not start: ${stderr}`)) }, 60_000)
    if (child.stdout == null) { reject(new Error('no stdout')); return }
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      if (line.startsWith('/')) { addrs.push(line); clearTimeout(timer); resolve() }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited (${code}): ${stderr}`)) })
  })
  return { child, addrs }
}

/** Sends a signal to the whole process group (tsx and the relay it runs) and waits for the exit. */
export async function signalGroup (child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = child.exitCode != null || child.signalCode != null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve))
  try { if (child.pid != null) process.kill(-child.pid, signal) } catch { /* already gone */ }
  await exited
}
