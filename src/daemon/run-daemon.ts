import type { AbortOptions } from '@libp2p/interface'
import { startApiServer, type ApiServer } from './api-server.js'
import { DAEMON_PROBE_TIMEOUT_MS } from './constants.js'
import { removeTokenFile, writeTokenFile } from './auth-token.js'
import { readDiscoveryFile, removeDiscoveryFile, writeDiscoveryFile } from './discovery-file.js'
import { DaemonRunningError } from './errors.js'
import type { ApiServerLimits } from './http-limits.js'
import { openDaemonMessenger, type DaemonMessenger, type DaemonMessengerInit } from './open-messenger.js'
import { defaultUiDir } from './static-files.js'
import { releaseStartupMemory } from './release-memory.js'
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
  const opened = await openDaemonMessenger(init, options)
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
