import { chmod, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Mode of a store directory (and of a Parley home): owner only. */
export const STORE_DIR_MODE = 0o700

/** Mode of every file in a store directory: owner read/write only. */
export const STORE_FILE_MODE = 0o600

/** True when `dir` exists and holds at least one entry. */
export async function holdsFiles (dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return false
    throw err
  }
}

/**
 * Creates `dir` (and missing parents) and sets it to {@link STORE_DIR_MODE}, also when it
 * existed with a wider mode.
 *
 * @example
 * ```ts
 * await ensurePrivateDir('/home/me/.parley')
 * ```
 */
export async function ensurePrivateDir (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: STORE_DIR_MODE })
  await chmod(dir, STORE_DIR_MODE)
}

/**
 * Sets every file directly in `dir` to {@link STORE_FILE_MODE}. LevelDB creates its files with
 * 0666 minus the process umask; this runs after open, compactions and close. A file that
 * LevelDB deleted meanwhile is skipped.
 */
export async function restrictFiles (dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue
    try {
      await chmod(join(dir, entry.name), STORE_FILE_MODE)
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err
    }
  }
}
