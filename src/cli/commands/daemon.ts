import { Option, type Command } from 'commander'
import { DEFAULT_API_HOST, DEFAULT_API_PORT } from '../../daemon/constants.js'
import { EXIT } from '../exit-codes.js'
import { UsageError } from '../errors.js'
import { collect, contextOf, kdfFromEnv, testNetworkFromEnv } from '../context.js'
import { readPassphrase } from '../passphrase.js'
import type { ReachabilityView } from '../../daemon/api-types.js'
import { writePublicAccount } from '../public-account.js'

interface DaemonOptions {
  listen: string[]
  bootstrap: string[]
  relay: string[]
  api: string
  apiForcePublic?: boolean
  ui: boolean
  create: boolean
}

/** Parses `HOST:PORT`, `[::1]:PORT`, `:PORT` or `PORT`. */
export function parseApiAddress (text: string): { host: string, port: number } {
  const trimmed = text.trim()
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(trimmed) ?? /^()()(\d+)$/.exec(trimmed)
  const port = Number(match?.[3])
  if (match == null || !Number.isInteger(port) || port > 65535) throw new UsageError(`--api: "${text}" is not HOST:PORT`)
  const host = match[1] ?? match[2]
  return { host: host == null || host === '' ? DEFAULT_API_HOST : host, port }
}

function envList (name: string): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** `parley daemon`: runs the messenger, the local API and the web UI until SIGINT/SIGTERM. */
export function registerDaemon (program: Command): void {
  program.command('daemon')
    .description('run this device, the local API and the web UI until SIGINT/SIGTERM (creates the account on first run)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable; also $PARLEY_BOOTSTRAP, comma-separated)', collect, [])
    .option('--relay <multiaddr>', 'relay holding this account\'s mail, with /p2p/<id>, or a relay fleet: fleet:<id>[@<member multiaddr>] (repeatable; also $PARLEY_RELAYS)', collect, [])
    .option('--api <host:port>', 'address of the local API and web UI', `${DEFAULT_API_HOST}:${DEFAULT_API_PORT}`)
    .option('--api-force-public', 'allow a non-loopback --api address (exposes your messages to the network!)')
    .option('--no-ui', 'do not serve the web UI')
    .addOption(new Option('--no-create', 'fail instead of creating an account when the home has none'))
    .action(async (opts: DaemonOptions, command: Command) => {
      const ctx = contextOf(command)
      const api = parseApiAddress(opts.api)
      // loaded here so that client commands do not pay for libp2p at start
      const [{ startDaemon }, { hasAccount }] = await Promise.all([import('../../daemon/run-daemon.js'), import('../../daemon/home.js')])
      const creating = opts.create && !(await hasAccount(ctx.home))
      const passphrase = await readPassphrase({ file: ctx.passphraseFile, confirm: creating })
      const daemon = await startDaemon({
        home: ctx.home,
        passphrase,
        create: opts.create,
        listen: opts.listen.length > 0 ? opts.listen : undefined,
        bootstrap: [...opts.bootstrap, ...envList('PARLEY_BOOTSTRAP')],
        relays: [...opts.relay, ...envList('PARLEY_RELAYS')],
        kdf: kdfFromEnv(),
        testNetwork: testNetworkFromEnv(),
        // WebRTC (reaching browsers directly) is loaded after `ready`: half of the start's modules
        deferWebRTC: true,
        api: { ...api, allowPublic: opts.apiForcePublic === true },
        ui: opts.ui,
        onInternalError: (err, request) => { process.stderr.write(`parley daemon: internal error on ${request}: ${(err as Error)?.stack ?? String(err)}\n`) }
      })
      await writePublicAccount(ctx.home, { address: daemon.messenger.address, inviteLink: daemon.messenger.inviteLink() })
      // the handlers go in before anything is printed: a supervisor that reads "ready" (or any line)
      // and at once sends SIGTERM must find them installed, or the process dies by the signal
      let signals = 0
      const onSignal = (): void => {
        if (++signals > 1) process.exit(EXIT.failure)
        void daemon.stop()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      ctx.out(`account: ${daemon.messenger.address}${daemon.created ? ' (new)' : ''}`)
      ctx.out(`peer:    ${daemon.node.peerId.toString()}`)
      for (const addr of daemon.node.multiaddrs) ctx.out(`listen:  ${addr.toString()}`)
      ctx.out(`invite:  ${daemon.messenger.inviteLink()}`)
      ctx.out(`api:     ${daemon.api.url}`)
      if (opts.ui) ctx.out(`ui:      ${daemon.api.loginUrl()}  (one-time login link; \`parley ui\` prints a new one)`)
      for (const line of reachabilityWarnings(daemon.messenger.reachability())) ctx.out(line)
      ctx.out('ready')
      // until this resolves, browsers reach the daemon on relayed connections (docs/PERFORMANCE.md)
      daemon.node.loadDeferredTransports().catch((err: unknown) => {
        process.stderr.write(`parley daemon: could not load the WebRTC transport (browsers stay on relayed connections): ${(err as Error)?.stack ?? String(err)}\n`)
      })
      await daemon.stopped
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      ctx.out('stopped')
    })
}

/** `warning:` lines for what the daemon's reachability says is missing (browsers, relays), printed before `ready`. */
function reachabilityWarnings (view: ReachabilityView): string[] {
  const lines: string[] = []
  if (view.browsers.reason != null && !view.browsers.reachable) lines.push(`warning: browsers cannot reach this daemon: ${view.browsers.reason}`)
  for (const relay of view.relays) if (!relay.connected) lines.push(`warning: relay unreachable: ${relay.error ?? 'not connected'} (${relay.address})`)
  return lines
}
