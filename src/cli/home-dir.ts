import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** `--home`, else `PARLEY_HOME` (when not empty), else `~/.parley`. */
export function resolveHome (flag?: string): string {
  const fromEnv = process.env.PARLEY_HOME
  return resolve(flag ?? (fromEnv != null && fromEnv !== '' ? fromEnv : join(homedir(), '.parley')))
}
