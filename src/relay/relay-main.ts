import { ParleyError } from '../errors.js'
import { jsonLogger } from './logger.js'
import { loadRelayConfig, parseRelayArgs } from './config/index.js'
import { startRelay, type Relay } from './relay.js'

export interface RelayMainOptions {
  /** Where listen addresses are printed, one per line. @default process.stdout */
  out?: (line: string) => void
  /** Where logs go. @default process.stderr */
  err?: (line: string) => void
  /** Stops the relay when aborted (besides SIGINT/SIGTERM). */
  signal?: AbortSignal
  /** Install SIGINT/SIGTERM handlers. @default true */
  handleSignals?: boolean
  /**
   * The data directory when neither `--data` nor the config names one (`parley relay` passes
   * `<home>/relay`). @default `./relay-data` (beside the config file, if any)
   */
  defaultDataDir?: string
}

/**
 * Entry point of `parley relay [--config FILE] [--data DIR] [--listen ADDR]…`: loads and checks
 * the config, starts the relay, prints each listen multiaddr (with `/p2p/<id>`) on its own line,
 * and stops gracefully on SIGINT/SIGTERM. Resolves with the exit code once the relay has stopped
 * (0; 2 for a config error, 1 for a start failure).
 *
 * @example
 * ```ts
 * // src/cli: program.command('relay').allowUnknownOption().action(async () => process.exit(await relayMain(process.argv.slice(3))))
 * process.exitCode = await relayMain(['--config', 'relay.json'])
 * ```
 */
export async function relayMain (argv: string[], options: RelayMainOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => { process.stdout.write(line + '\n') })
  const errOut = options.err ?? ((line: string) => { process.stderr.write(line + '\n') })
  let relay: Relay
  try {
    const { configPath, overrides } = parseRelayArgs(argv)
    const config = await loadRelayConfig(configPath, overrides, { defaultDataDir: options.defaultDataDir })
    relay = await startRelay(config, { logger: jsonLogger({ level: config.log.level, write: errOut }) })
  } catch (err) {
    const code = err instanceof ParleyError ? err.code : 'ERR_RELAY_START'
    errOut(JSON.stringify({ t: new Date().toISOString(), level: 'error', component: 'parley:relay', msg: (err as Error).message, code }))
    return code === 'ERR_RELAY_CONFIG' ? 2 : 1
  }
  // the handlers go in before the addresses are printed: a supervisor (or a test) that reads an
  // address and at once sends SIGTERM must find them installed, or the process dies by the signal
  const stopRequested = new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve()
    }
    if (options.handleSignals !== false) {
      process.once('SIGINT', done)
      process.once('SIGTERM', done)
    }
    if (options.signal?.aborted === true) done()
    options.signal?.addEventListener('abort', done, { once: true })
  })
  // stdout carries only the addresses (scripts parse it); the metrics address is in the 'relay started' log line
  for (const addr of relay.multiaddrs) out(addr.toString())
  await stopRequested
  await relay.stop()
  return 0
}
