// What `npm test` checks before it runs any test: the things the tests need from the machine.
// Today that is Chromium (the browser tests drive Debian's `chromium` through playwright-core).
// When it is missing and this process may install system packages (root, with apt-get), it is
// installed exactly as .ci/run used to do; otherwise the run stops at once with one line saying
// what to install. A missing browser is never reported as a list of failing tests.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Debian's package, and the command it installs. */
export const CHROMIUM_PACKAGE = 'chromium'

/**
 * The first executable named `name` on `path` (a PATH string), or undefined.
 * @param {string} name
 * @param {string | undefined} path
 * @param {(file: string) => boolean} [isExecutable]
 * @returns {string | undefined}
 */
export function findOnPath (name, path, isExecutable = executable) {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, name)
    if (isExecutable(file)) return file
  }
  return undefined
}

/**
 * Where the browser tests find Chromium: `PARLEY_CHROMIUM` when set (it must then be
 * executable), else `chromium` on PATH.
 * @param {{ env: Record<string, string | undefined>, isExecutable?: (file: string) => boolean }} facts
 * @returns {{ path?: string, pinned: boolean }}
 */
export function locateChromium ({ env, isExecutable = executable }) {
  const pinned = env.PARLEY_CHROMIUM
  if (pinned != null && pinned !== '') return { path: isExecutable(pinned) ? pinned : undefined, pinned: true }
  return { path: findOnPath('chromium', env.PATH, isExecutable), pinned: false }
}

/**
 * What to do about Chromium.
 * @param {{ env: Record<string, string | undefined>, uid: number, isExecutable?: (file: string) => boolean }} facts
 * @returns {{ action: 'ok', path: string } | { action: 'install' } | { action: 'stop', message: string }}
 */
export function planChromium ({ env, uid, isExecutable = executable }) {
  const found = locateChromium({ env, isExecutable })
  if (found.path != null) return { action: 'ok', path: found.path }
  if (found.pinned) {
    return { action: 'stop', message: `npm test: PARLEY_CHROMIUM is ${env.PARLEY_CHROMIUM}, which is not an executable file; point it at a Chromium binary or unset it` }
  }
  const apt = findOnPath('apt-get', env.PATH, isExecutable)
  if (uid === 0 && apt != null) return { action: 'install' }
  return {
    action: 'stop',
    message: 'npm test needs Chromium for its browser tests: install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set PARLEY_CHROMIUM to a Chromium binary, then run npm test again'
  }
}

/**
 * Makes sure the machine has what the tests need; returns the environment additions for the
 * test run (`PARLEY_CHROMIUM`), or the one line to stop with.
 * @returns {{ ok: true, env: Record<string, string> } | { ok: false, message: string }}
 */
export function preflight ({ env = process.env, uid = process.getuid?.() ?? -1, log = (line) => { console.log(line) } } = {}) {
  let plan = planChromium({ env, uid })
  if (plan.action === 'install') {
    log(`npm test: Chromium is missing; installing Debian's ${CHROMIUM_PACKAGE} package with apt-get (needed by the browser tests)`)
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] })
    const install = update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', CHROMIUM_PACKAGE], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } })
      : update
    if (install.status !== 0) {
      return { ok: false, message: `npm test: installing ${CHROMIUM_PACKAGE} with apt-get failed (exit ${install.status ?? install.signal}); install it by hand and run npm test again` }
    }
    plan = planChromium({ env, uid })
    if (plan.action !== 'ok') return { ok: false, message: `npm test: apt-get installed ${CHROMIUM_PACKAGE} but no \`chromium\` command is on PATH` }
  }
  if (plan.action === 'stop') return { ok: false, message: plan.message }
  return { ok: true, env: { PARLEY_CHROMIUM: plan.path } }
}

function executable (file) {
  try { accessSync(file, constants.X_OK); return statSync(file).isFile() } catch { return false }
}
