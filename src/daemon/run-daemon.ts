import type { AbortOptions } from '@libp2p/interface'
import type { ApiServer } from './api-server.js'
import { DAEMON_PROBE_TIMEOUT_MS } from './constants.js'
import { removeTokenFile, writeTokenFile } from './auth-token.js'
import { readDiscoveryFile, removeDiscoveryFile, writeDiscoveryFile } from './discovery-file.js'
import { DaemonRunningError } from './errors.js'
import type { ApiServerLimits } from './http-limits.js'
import type { DaemonMessenger, DaemonMessengerInit } from './open-messenger.js'
import { openHomeStore } from '../node/home-store.js'
import type { Store } from '../store/index.js'
import { VERSION } from '../version.js'

export interface DaemonInit extends DaemonMessengerInit {
  /** Where the API listens, and its connection limits. @default { host: '127.0.0.1', port: 7733 } */
  api?: { host?: string, port?: number, allowPublic?: boolean, limits?: ApiServerLimits }
  /** Serve the web UI at `/`. @default true */
  ui?: boolean
  /** Errors the API answered with a 500 (logged by the CLI on stderr). */
  onInternalError?: (err: unknown, request: string) => void
}

/** A running daemon: messenger, node, API. */
export interface Daemon extends DaemonMessenger {
  api: ApiServer
  /** True when this start created the account. */
  created: boolean
  /** Resolves once the daemon has stopped (by `stop()` or because the account was wiped). */
  stopped: Promise<void>
}

/** Is a daemon for `home` up and answering? (Stale discovery files are ignored.) */
export async function runningDaemonUrl (home: string, options: AbortOptions = {}): Promise<string | undefined> {
  const info = await readDiscoveryFile(home)
  if (info == null) return undefined
  try {
    process.kill(info.pid, 0)
  } catch {
    return undefined // no such process: the discovery file is stale
  }
  try {
    await fetch(`${info.url}/v1/status`, { signal: options.signal ?? AbortSignal.timeout(DAEMON_PROBE_TIMEOUT_MS) })
    return info.url
  } catch {
    return undefined // not answering: treated as no daemon, which is what the caller asks
  }
}

/**
 * Opens the home's account (creating it when `create`), starts the messenger and the local
 * API + web UI, and writes the token and discovery files (mode 0600). `stop()` undoes all of it.
 *
 * @example
 * ```ts
 * const daemon = await startDaemon({ home, passphrase, create: true, api: { port: 0 } })
 * console.log(daemon.api.url, daemon.api.loginUrl())
 * await daemon.stop()
 * ```
 */
export async function startDaemon (init: DaemonInit, options: AbortOptions = {}): Promise<Daemon> {
  const already = await runningDaemonUrl(init.home, options)
  if (already != null) throw new DaemonRunningError(already)
  // Start-up is mostly importing libp2p and the messenger (~1,100 modules) on the main thread,
  // and opening the store is mostly scrypt on the thread pool: both at once (docs/PERFORMANCE.md).
  // These modules load here, not above, so that the store's KDF starts first.
  const storeOpening = init.linkCode == null ? openHomeStore({ home: init.home, passphrase: init.passphrase, create: init.create, kdf: init.kdf }, options) : undefined
  const modules = Promise.all([import('./open-messenger.js'), import('./api-server.js'), import('./static-files.js'), import('./release-memory.js')])
  let store: Store | undefined
  let loaded: Awaited<typeof modules>
  try {
    [store, loaded] = await Promise.all([storeOpening, modules])
  } catch (err) {
    // whichever failed, the other finishes first: a store opened here is closed, not leaked
    const [opening] = await Promise.allSettled([storeOpening, modules])
    if (opening.status === 'fulfilled') await opening.value?.close()
    throw err
  }
  const [{ openDaemonMessenger }, { startApiServer }, { defaultUiDir }, { releaseStartupMemory }] = loaded
  const opened = await openDaemonMessenger({ ...init, store }, options)
  const { messenger, node } = opened
  let api: ApiServer | undefined
  let stopping: Promise<void> | undefined
  const stopped = Promise.withResolvers<void>()
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      messenger.removeEventListener('wiped', onWiped)
      await api?.close()
      await removeDiscoveryFile(init.home)
      await removeTokenFile(init.home)
      await opened.stop()
      stopped.resolve()
    })()
    return stopping
  }
  const onWiped = (): void => { setImmediate(() => { void stop() }) }
  try {
    await messenger.start(options)
    messenger.addEventListener('wiped', onWiped)
    const token = await writeTokenFile(init.home)
    api = await startApiServer({
      messenger,
      token,
      host: init.api?.host,
      port: init.api?.port,
      allowPublic: init.api?.allowPublic,
      limits: init.api?.limits,
      logger: node.libp2p.logger,
      uiDir: init.ui === false ? undefined : defaultUiDir(),
      version: VERSION,
      onAccountDeleted: onWiped,
      onInternalError: init.onInternalError
    }, options)
    await writeDiscoveryFile(init.home, { url: api.url, pid: process.pid, address: messenger.address, startedAt: Date.now(), version: VERSION })
    releaseStartupMemory()
  } catch (err) {
    await stop().catch((stopErr: unknown) => { node.libp2p.logger.forComponent('parley:daemon').error('could not stop after a failed start - %e', stopErr) })
    throw err
  }
  return { ...opened, api, created: node.created, stop, stopped: stopped.promise }
}
