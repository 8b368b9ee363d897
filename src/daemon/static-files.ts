import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json'
}

/** One file of the web UI, held in memory. */
export interface StaticFile {
  body: Buffer
  contentType: string
}

/**
 * The web UI's folder: `ui/` next to this module (sources run through tsx), else the sources'
 * `src/daemon/ui/` seen from a compiled `dist/src/daemon/` (tsc does not copy non-TS files).
 */
export function defaultUiDir (): string | undefined {
  const candidates = [new URL('./ui/', import.meta.url), new URL('../../../src/daemon/ui/', import.meta.url)]
  for (const url of candidates) {
    const path = fileURLToPath(url)
    if (existsSync(join(path, 'index.html'))) return path
  }
  return undefined
}

/**
 * Loads every file of a flat UI folder into memory, keyed by URL path (`/` is `index.html`).
 * Only these exact paths are ever served, so no request can reach outside the folder.
 */
export async function loadStaticFiles (dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>()
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const type = CONTENT_TYPES[extname(entry.name)]
    if (!entry.isFile() || type == null) continue
    const file = { body: await readFile(join(dir, entry.name)), contentType: type }
    files.set(`/${entry.name}`, file)
    if (entry.name === 'index.html') files.set('/', file)
  }
  return files
}

/** Headers for UI files: a strict CSP (same-origin only, no inline script), no framing. */
export const UI_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}
