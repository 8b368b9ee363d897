import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { channelOwnerCommands } from './tests/browser/channel-owner-commands.js'
import { linkCommands } from './tests/browser/link-commands.js'

/**
 * In the browser project, `src/**\/X.js` resolves to `X.browser.ts` when that file exists: the
 * same platform swap the package's `browser` field and scripts/build-browser.mjs apply.
 */
const browserFileSwap = {
  name: 'parley-browser-swap',
  enforce: 'pre' as const,
  resolveId (source: string, importer?: string) {
    if (importer == null || !source.startsWith('.') || !importer.includes('/src/')) return null
    const base = resolve(dirname(importer), source).replace(/\.(js|ts)$/, '')
    return existsSync(`${base}.browser.ts`) ? `${base}.browser.ts` : null
  }
}

/** The Chromium the browser tests drive: found (or installed) by scripts/preflight.mjs. */
export const chromiumPath = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium'

/** Chromium flags verified on these machines (see docs/ARCHITECTURE.md, "Testing"). */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'
]

export default defineConfig({
  test: {
    // One test file at a time by default (vitest's own default on 2 cores). Two side by side
    // (PARLEY_TEST_WORKERS=2) take about 8 instead of 13 minutes, but on a loaded 2-core machine
    // they exposed a load-sensitive test in 3 of 4 clean-clone runs (2026-12-03; each one fixed
    // since): the default goes back to 2 once a few runs in a row are clean.
    maxWorkers: Number(process.env.PARLEY_TEST_WORKERS ?? 1),
    projects: [
      {
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          // the fault-injection suite (real processes, SIGKILL, tmpfs) runs on its own: npm run test:faults
          exclude: ['tests/**/*.browser.test.ts', 'node_modules/**', ...(process.env.PARLEY_FAULTS === '1' ? [] : ['tests/faults/**'])],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks'
        }
      },
      {
        plugins: [browserFileSwap],
        // pre-bundled up front: found mid-run, Vite re-optimises it and reloads the page under a running test
        optimizeDeps: { include: ['fast-check'] },
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.test.ts'],
          globalSetup: ['tests/browser/relay-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
              contextOptions: { permissions: ['camera', 'microphone'] }
            }),
            instances: [{ browser: 'chromium' }],
            // a Node channel owner and a relay keeping history, for tests/browser/channels.browser.test.ts
            // Node devices on the other side of a device link (tests/browser/link.browser.test.ts)
            commands: { ...channelOwnerCommands, ...linkCommands }
          }
        }
      }
    ]
  }
})
