import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, rm, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'

/** Name of the bearer-token file inside the home directory (mode 0600). */
export const TOKEN_FILE = 'api-token'

/** A fresh random bearer token: 32 bytes, base64url. */
export function generateToken (): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Compares a presented secret with the expected one in constant time (both are hashed first,
 * so neither the content nor the length leaks through timing).
 *
 * @example
 * ```ts
 * if (!secretsEqual(presented, token)) throw new UnauthorizedError()
 * ```
 */
export function secretsEqual (presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && expected.length > 0
}

/** Writes a new token to `<home>/api-token` with mode 0600 and returns it. */
export async function writeTokenFile (home: string, token = generateToken()): Promise<string> {
  const path = join(home, TOKEN_FILE)
  await rm(path, { force: true })
  await writeFile(path, token + '\n', { mode: 0o600, flag: 'wx' })
  await chmod(path, 0o600)
  return token
}

/** Reads the token of the daemon serving `home`, or undefined when there is none. */
export async function readTokenFile (home: string): Promise<string | undefined> {
  try {
    return (await readFile(join(home, TOKEN_FILE), 'utf8')).trim()
  } catch {
    return undefined
  }
}

/** Removes the token file (daemon shutdown). */
export async function removeTokenFile (home: string): Promise<void> {
  await rm(join(home, TOKEN_FILE), { force: true })
}
