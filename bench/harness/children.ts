/**
 * The child processes a benchmark started (relays, the raw ack server): each is tracked from
 * spawn to exit, so that the runner can stop whatever a failed or interrupted suite left running.
 */
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { CHILD_KILL_GRACE_MS } from './deadlines.js'

const live = new Set<ChildProcess>()

function running (child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/** Tracks `child` until it exits; returns it. */
export function track<C extends ChildProcess> (child: C): C {
  if (running(child)) {
    live.add(child)
    child.once('exit', () => { live.delete(child) })
  }
  return child
}

/** Process ids of tracked children still running. */
export function liveChildren (): number[] {
  return [...live].filter(running).map((c) => c.pid ?? -1)
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild (child: ChildProcess, graceMs = CHILD_KILL_GRACE_MS): Promise<void> {
  if (!running(child)) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}

/** Stops every tracked child (SIGTERM, SIGKILL after the grace); resolves with how many there were. */
export async function stopAllChildren (graceMs = CHILD_KILL_GRACE_MS): Promise<number> {
  const children = [...live].filter(running)
  await Promise.all(children.map(async (c) => stopChild(c, graceMs)))
  return children.length
}

/** SIGKILLs every tracked child at once (the runner is exiting and cannot wait). */
export function killAllChildrenNow (): void {
  for (const child of live) if (running(child)) child.kill('SIGKILL')
}
