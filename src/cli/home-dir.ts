import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** `--home`, else `PARLEY_HOME`, else `~/.parley`. */
export function resolveHome (flag?: string): string {
  return resolve(flag ?? process.env.PARLEY_HOME ?? join(homedir(), '.parley'))
}
