// What `npm test` checks before it runs any test: the things the tests need from the machine.
// Chromium (the browser tests drive Debian's `chromium` through playwright-core) and PostgreSQL
// 15 or newer (the relay fleet tests start Debian's `postgresql` server binaries in a temporary
// directory of their own; no system cluster is used or needed). When one is missing and this
// process may install system packages (root, with apt-get), it is installed exactly as .ci/run
// used to do; otherwise the run stops at once with one line saying what to install. A missing
// browser or database is never reported as a list of failing tests.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readdirSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Debian's package, and the command it installs. */
export const CHROMIUM_PACKAGE = 'chromium'

/** Debian's PostgreSQL server package; its binaries go to `/usr/lib/postgresql/<version>/bin`. */
export const POSTGRESQL_PACKAGE = 'postgresql'
export const POSTGRESQL_ROOT = '/usr/lib/postgresql'
/** The oldest server the relay's PostgreSQL store supports. */
export const POSTGRESQL_MIN_VERSION = 15

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
 * Where the relay fleet tests find PostgreSQL's server binaries (`initdb`, `postgres`,
 * `pg_isready`): `PARLEY_POSTGRES_BIN` when set (it must then hold an executable `initdb`), else
 * the newest `/usr/lib/postgresql/<version>/bin` of version 15 or newer.
 * @param {{ env: Record<string, string | undefined>, isExecutable?: (file: string) => boolean, versions?: () => string[] }} facts
 * @returns {{ bin?: string, pinned: boolean }}
 */
export function locatePostgres ({ env, isExecutable = executable, versions = installedPostgresVersions }) {
  const pinned = env.PARLEY_POSTGRES_BIN
  if (pinned != null && pinned !== '') return { bin: isExecutable(join(pinned, 'initdb')) ? pinned : undefined, pinned: true }
  const usable = versions().map(Number).filter((v) => Number.isInteger(v) && v >= POSTGRESQL_MIN_VERSION).sort((a, b) => b - a)
  for (const v of usable) {
    const bin = join(POSTGRESQL_ROOT, String(v), 'bin')
    if (isExecutable(join(bin, 'initdb')) && isExecutable(join(bin, 'postgres'))) return { bin, pinned: false }
  }
  return { pinned: false }
}

/**
 * What to do about PostgreSQL.
 * @param {{ env: Record<string, string | undefined>, uid: number, isExecutable?: (file: string) => boolean, versions?: () => string[] }} facts
 * @returns {{ action: 'ok', bin: string } | { action: 'install' } | { action: 'stop', message: string }}
 */
export function planPostgres ({ env, uid, isExecutable = executable, versions = installedPostgresVersions }) {
  const found = locatePostgres({ env, isExecutable, versions })
  if (found.bin != null) return { action: 'ok', bin: found.bin }
  if (found.pinned) {
    return { action: 'stop', message: `npm test: PARLEY_POSTGRES_BIN is ${env.PARLEY_POSTGRES_BIN}, which holds no executable initdb; point it at PostgreSQL's bin directory or unset it` }
  }
  const apt = findOnPath('apt-get', env.PATH, isExecutable)
  if (uid === 0 && apt != null) return { action: 'install' }
  return {
    action: 'stop',
    message: `npm test needs PostgreSQL ${POSTGRESQL_MIN_VERSION} or newer for the relay fleet tests: install it (Debian/Ubuntu: \`sudo apt-get install postgresql\`) or set PARLEY_POSTGRES_BIN to its bin directory, then run npm test again`
  }
}

/**
 * Installs a Debian package with apt-get (`apt-get update` first); undefined when it worked, else the line to stop with.
 * @param {string} pkg
 * @param {Record<string, string | undefined>} env
 * @returns {string | undefined}
 */
function aptInstall (pkg, env) {
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const install = update.status === 0
    ? spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } })
    : update
  if (install.status !== 0) return `npm test: installing ${pkg} with apt-get failed (exit ${install.status ?? install.signal}); install it by hand and run npm test again`
  return undefined
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
    const failed = aptInstall(CHROMIUM_PACKAGE, env)
    if (failed != null) return { ok: false, message: failed }
    plan = planChromium({ env, uid })
    if (plan.action !== 'ok') return { ok: false, message: `npm test: apt-get installed ${CHROMIUM_PACKAGE} but no \`chromium\` command is on PATH` }
  }
  if (plan.action === 'stop') return { ok: false, message: plan.message }
  let pgPlan = planPostgres({ env, uid })
  if (pgPlan.action === 'install') {
    log(`npm test: PostgreSQL is missing; installing Debian's ${POSTGRESQL_PACKAGE} package with apt-get (needed by the relay fleet tests; no system cluster is used)`)
    const failed = aptInstall(POSTGRESQL_PACKAGE, env)
    if (failed != null) return { ok: false, message: failed }
    pgPlan = planPostgres({ env, uid })
    if (pgPlan.action !== 'ok') return { ok: false, message: `npm test: apt-get installed ${POSTGRESQL_PACKAGE} but no PostgreSQL ${POSTGRESQL_MIN_VERSION}+ server is under ${POSTGRESQL_ROOT}` }
  }
  if (pgPlan.action === 'stop') return { ok: false, message: pgPlan.message }
  return { ok: true, env: { PARLEY_CHROMIUM: plan.path, PARLEY_POSTGRES_BIN: pgPlan.bin } }
}

/** Versions under /usr/lib/postgresql (directory names). */
function installedPostgresVersions () {
  try { return readdirSync(POSTGRESQL_ROOT) } catch { return [] }
}

function executable (file) {
  try { accessSync(file, constants.X_OK); return statSync(file).isFile() } catch { return false }
}
