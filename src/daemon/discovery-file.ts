import { readFile, rm, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

/** Name of the discovery file inside the home directory: where the running daemon listens. */
export const DISCOVERY_FILE = 'daemon.json'

/** What a running daemon tells CLI commands about itself. */
export interface DaemonDiscovery {
  /** Base URL of the local API, e.g. `http://127.0.0.1:7788`. */
  url: string
  pid: number
  /** The account this daemon runs. */
  address: string
  startedAt: number
  version: string
}

/** Writes `<home>/daemon.json` (mode 0600) atomically. */
export async function writeDiscoveryFile (home: string, info: DaemonDiscovery): Promise<void> {
  const path = join(home, DISCOVERY_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
  await rename(tmp, path)
}

/** Reads the discovery file, or undefined when there is none (or it is unreadable). */
export async function readDiscoveryFile (home: string): Promise<DaemonDiscovery | undefined> {
  try {
    const info = JSON.parse(await readFile(join(home, DISCOVERY_FILE), 'utf8')) as DaemonDiscovery
    return typeof info?.url === 'string' ? info : undefined
  } catch {
    return undefined
  }
}

/** Removes the discovery file, only when it still names this process. */
export async function removeDiscoveryFile (home: string, pid = process.pid): Promise<void> {
  const info = await readDiscoveryFile(home)
  if (info == null || info.pid === pid) await rm(join(home, DISCOVERY_FILE), { force: true })
}
