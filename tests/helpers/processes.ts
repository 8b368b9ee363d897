import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export const ROOT = new URL('../../', import.meta.url).pathname

/** A TypeScript entry script running in its own process group (tsx runs it in a grandchild). */
export interface ScriptProcess {
  child: ChildProcess
  /** Resolves with the first stdout line for which `match` holds. */
  waitForLine: (match: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Every stdout line so far. */
  lines: string[]
  stderr: () => string
}

export function spawnScript (script: string, args: string[], env: Record<string, string> = {}, launcher: string[] = []): ScriptProcess {
  // `launcher`: a command the script runs under, e.g. ['ip', 'netns', 'exec', NS] (tests/faults/netns.ts)
  const command = [...launcher, process.execPath, join(ROOT, 'node_modules/.bin/tsx'), join(ROOT, script), ...args]
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...env }
  })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += String(d); if (stderr.length > 100_000) stderr = stderr.slice(-50_000) })
  const lines: string[] = []
  const waiters: Array<{ match: (line: string) => boolean, resolve: (line: string) => void }> = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    for (const w of [...waiters]) {
      if (w.match(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line) }
    }
  })
  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLine: async (match, timeoutMs = 30_000) => {
      const seen = lines.find(match)
      if (seen != null) return seen
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`timed out waiting for output of ${script}; stderr: ${stderr.slice(-2000)}`)) }, timeoutMs)
        const onExit = (code: number | null): void => { clearTimeout(timer); reject(new Error(`${script} exited (${code}); stderr: ${stderr.slice(-2000)}`)) }
        child.once('exit', onExit)
        waiters.push({ match, resolve: (line) => { clearTimeout(timer); child.off('exit', onExit); resolve(line) } })
      })
    }
  }
}

/** SIGKILL to the whole process group. */
export async function killGroup (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try { process.kill(-child.pid!, signal) } catch { /* already gone */ }
  await exited
}
