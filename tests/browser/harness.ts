/** Playwright plumbing for the Node-side browser tests: Debian's Chromium, loopback only. */
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromiumArgs, chromiumPath } from '../../vitest.config.js'

export const CHROMIUM = chromiumPath

/** One browser profile (its own IndexedDB) that can be closed and opened again. */
export interface Profile {
  readonly dir: string
  context: BrowserContext | undefined
  open: () => Promise<BrowserContext>
  close: () => Promise<void>
  /** Closes and deletes the profile. */
  destroy: () => Promise<void>
}

export async function createProfile (name: string): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), `parley-browser-${name}-`))
  const profile: Profile = {
    dir,
    context: undefined,
    open: async () => {
      if (profile.context != null) return profile.context
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: chromiumArgs,
        viewport: { width: 1000, height: 700 }
      })
      // WebRTC between tabs on loopback needs a media permission (docs/BROWSER.md)
      await context.grantPermissions(['camera', 'microphone'])
      profile.context = context
      return context
    },
    close: async () => {
      const context = profile.context
      profile.context = undefined
      await context?.close()
    },
    destroy: async () => {
      await profile.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
  return profile
}

/** Console errors of a page, for failure messages. */
export function collectConsole (page: Page): string[] {
  const lines: string[] = []
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') lines.push(`[${msg.type()}] ${msg.text()}`) })
  page.on('pageerror', (err) => { lines.push(`[pageerror] ${err.message}`) })
  return lines
}
