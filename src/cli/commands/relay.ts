import { join } from 'node:path'
import type { Command } from 'commander'
import { contextOf } from '../context.js'

const HELP = `Usage: parley relay [--config FILE] [options]

Run a relay: DHT server, circuit relay, store-and-forward mailboxes (see docs/RELAY.md).

Options:
  --config <file>        relay.json
  --data <dir>           data directory (overrides the config; default <home>/relay,
                         where <home> is --home, PARLEY_HOME or ~/.parley)
  --listen <multiaddr>   listen address (repeatable)
  --announce <multiaddr> address to announce instead (repeatable; a DNS name, a public IP)
  --bootstrap <multiaddr> bootstrap peer (repeatable)
  --metrics-host <host>  metrics/health address
  --metrics-port <port>  metrics/health port
  --no-metrics           no metrics server
  --log-level <level>    error | warn | info | debug
  --tls-cert <file>      PEM certificate (chain) for /tls/ws listen addresses
  --tls-key <file>       its PEM private key
  -h, --help             display help for command
`

/** Global options of `parley` that take a value (skipped when looking for the subcommand). */
const GLOBAL_VALUE_OPTIONS = new Set(['--home', '--passphrase-file'])

/** The arguments after the `relay` subcommand, wherever global options stand. */
export function relayArgs (argv: string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    if (GLOBAL_VALUE_OPTIONS.has(argv[i])) { i++; continue }
    if (argv[i] === 'relay') return argv.slice(i + 1)
  }
  return []
}

/** `parley relay --config FILE …`: delegates to relayMain. */
export function registerRelay (program: Command): void {
  program.command('relay')
    .description('run a relay node (DHT server, circuit relay, mailboxes): parley relay --config FILE')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (_opts, command: Command) => {
      const args = relayArgs(process.argv.slice(2))
      if (args.includes('--help') || args.includes('-h')) { process.stdout.write(HELP); return }
      const { relayMain } = await import('../../relay/relay-main.js')
      process.exitCode = await relayMain(args, { defaultDataDir: join(contextOf(command).home, 'relay') })
    })
}
