/**
 * The browser bundles (scripts/build-browser.mjs), built once for every test file that needs
 * them. Test files run in separate processes, so the build is kept on disk under
 * `dist/browser-cache/<key>`, where the key is a hash of everything the build reads (src/, the
 * build script and its stand-ins, package-lock.json). The first file to ask builds into a
 * private directory and renames it into place; one that asks meanwhile builds too (the rename
 * of the second is dropped), so no file ever serves a half-written build, and no build is
 * reused after its inputs changed.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, rename, rm } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const CACHE = join(root, 'dist', 'browser-cache')
/** What the build reads besides node_modules (which package-lock.json stands for). */
const INPUTS = ['src', 'scripts/build-browser.mjs', 'scripts/browser-shims', 'package-lock.json', 'tsconfig.json']

async function filesUnder (path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => null)
  if (entries == null) return [path]
  const nested = await Promise.all(entries.map(async (e) => filesUnder(join(path, e.name))))
  return nested.flat()
}

/** For a `beforeAll` that builds: esbuild and terser take ~20 s on a quiet 2-core machine, minutes on a loaded one. */
export const BUILD_TIMEOUT = 300_000

/** A hash of every input file's path and bytes. */
export async function browserBuildKey (): Promise<string> {
  const files = (await Promise.all(INPUTS.map(async (p) => filesUnder(join(root, p))))).flat().sort()
  const hash = createHash('sha256')
  for (const file of files) {
    hash.update(relative(root, file)).update('\0')
    hash.update(await readFile(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 16)
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The directory holding `parley.js`, `parley-chat.js`, `chunks/` and `meta.json` of the current sources. */
export async function browserBuild (): Promise<string> {
  const dir = join(CACHE, await browserBuildKey())
  if (existsSync(join(dir, 'meta.json'))) return dir
  const building = `${dir}.building-${process.pid}`
  await rm(building, { recursive: true, force: true })
  const { buildBrowser } = await import('../../scripts/build-browser.mjs' as string) as { buildBrowser: (o: { outDir: string }) => Promise<unknown> }
  await buildBrowser({ outDir: building })
  try {
    await rename(building, dir)
  } catch (err) {
    // another test file renamed its build into place first: same inputs, same bundles
    await rm(building, { recursive: true, force: true })
    if (!existsSync(join(dir, 'meta.json'))) throw err
  }
  // keep only the current build, and builds still under way in a live process
  for (const entry of await readdir(CACHE)) {
    const builder = /\.building-(\d+)$/.exec(entry)
    if (join(CACHE, entry) !== dir && (builder == null || !alive(Number(builder[1])))) await rm(join(CACHE, entry), { recursive: true, force: true })
  }
  return dir
}
