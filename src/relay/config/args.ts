import { resolve } from 'node:path'
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../errors.js'
import type { LogLevel } from '../logger.js'
import type { RelayConfigInput } from './config.js'

/** What `parley relay` flags ask for: a config file to read, and settings laid over it. */
export interface RelayArgs {
  configPath?: string
  overrides: RelayConfigInput
}

interface RelayFlags {
  config?: string
  data?: string
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  metricsHost?: string
  metricsPort?: string
  metrics: boolean
  logLevel?: string
  tlsCert?: string
  tlsKey?: string
  fleetRecord?: string
  postgres?: string
}

/** A flag's value: refused when empty or when it is the next flag (`--config --listen x`). */
const value = (flag: string) => (v: string): string => {
  if (v === '' || v.startsWith('--')) throw new ConfigError(flag, 'needs a value')
  return v
}
/** A repeatable flag's values. */
const values = (flag: string) => (v: string, previous: string[] | undefined): string[] => [...(previous ?? []), value(flag)(v)]

/** The `parley relay` command's flags (the one place they are declared; the help is generated from them). */
function relayCommand (): Command {
  return new Command('relay')
    .usage('[--config FILE] [options]')
    .description('Run a relay: DHT server, circuit relay, store-and-forward mailboxes (see docs/RELAY.md).')
    .option('--config <file>', 'relay.json', value('--config'))
    .option('--data <dir>', 'data directory (overrides the config; default <home>/relay, where <home> is --home, PARLEY_HOME or ~/.parley)', value('--data'))
    .option('--listen <multiaddr>', 'listen address (repeatable)', values('--listen'))
    .option('--announce <multiaddr>', 'address to announce instead (repeatable; a DNS name, a public IP)', values('--announce'))
    .option('--bootstrap <multiaddr>', 'bootstrap peer (repeatable)', values('--bootstrap'))
    .option('--metrics-host <host>', 'metrics/health address', value('--metrics-host'))
    .option('--metrics-port <port>', 'metrics/health port', value('--metrics-port'))
    .option('--no-metrics', 'no metrics server')
    .option('--log-level <level>', 'error | warn | info | debug', value('--log-level'))
    .option('--tls-cert <file>', 'PEM certificate (chain) for /tls/ws listen addresses', value('--tls-cert'))
    .option('--tls-key <file>', 'its PEM private key', value('--tls-key'))
    .option('--fleet-record <file>', 'the signed fleet record of the fleet this relay is a member of (parley fleet sign)', value('--fleet-record'))
    .option('--postgres <url>', 'keep the mailboxes in this PostgreSQL database (postgres://…; a fleet shares one; put the password in PGPASSWORD or the config, not here)', value('--postgres'))
}

/**
 * The help of `parley relay`, generated from its flags.
 *
 * @example
 * ```ts
 * process.stdout.write(relayHelp())
 * ```
 */
export function relayHelp (): string {
  return relayCommand().name('parley relay').helpOption('-h, --help', 'display help for command').helpInformation()
}

/** The flag a commander error names (`unknown option '--bogus=1'` → `--bogus`). */
function flagOf (err: CommanderError): string {
  const quoted = /'([^' ]+)/.exec(err.message)?.[1] ?? '(flags)'
  return quoted.includes('=') ? quoted.slice(0, quoted.indexOf('=')) : quoted
}

/**
 * Turns `parley relay` flags into a config path and overrides: `--config FILE`, `--data DIR`,
 * `--listen ADDR`, `--announce ADDR`, `--bootstrap ADDR` (each repeatable), `--metrics-host H`,
 * `--metrics-port N`, `--no-metrics`, `--log-level L`, `--tls-cert FILE`, `--tls-key FILE`,
 * `--fleet-record FILE`
 * (`--flag=value` works too). Throws {@link ConfigError} naming the flag at fault.
 *
 * @example
 * ```ts
 * const { configPath, overrides } = parseRelayArgs(['--config', 'relay.json', '--listen', '/ip4/0.0.0.0/tcp/4001'])
 * ```
 */
export function parseRelayArgs (argv: string[]): RelayArgs {
  const command = relayCommand()
    .helpOption(false)
    .exitOverride()
    .allowExcessArguments(true)
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
  try {
    command.parse(argv, { from: 'user' })
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err
    throw new ConfigError(flagOf(err), err.code === 'commander.optionMissingArgument' ? 'needs a value' : 'unknown flag')
  }
  if (command.args.length > 0) throw new ConfigError(command.args[0], 'unknown flag')
  const flags = command.opts<RelayFlags>()
  const overrides: RelayConfigInput = {}
  if (flags.data != null) overrides.dataDir = resolve(flags.data)
  if (flags.listen != null) overrides.listen = flags.listen
  if (flags.announce != null) overrides.announce = flags.announce
  if (flags.bootstrap != null) overrides.bootstrap = flags.bootstrap
  if (flags.metricsHost != null) overrides.metrics = { ...overrides.metrics, host: flags.metricsHost }
  if (flags.metricsPort != null) {
    if (!/^\d+$/.test(flags.metricsPort)) throw new ConfigError('--metrics-port', 'must be a port number')
    overrides.metrics = { ...overrides.metrics, port: Number(flags.metricsPort) }
  }
  if (!flags.metrics) overrides.metrics = { ...overrides.metrics, enabled: false }
  if (flags.logLevel != null) overrides.log = { level: flags.logLevel as LogLevel }
  if (flags.tlsCert != null || flags.tlsKey != null) {
    if (flags.tlsCert == null || flags.tlsKey == null) throw new ConfigError(flags.tlsCert == null ? '--tls-cert' : '--tls-key', 'is needed with the other (--tls-cert FILE --tls-key FILE)')
    overrides.tls = { certFile: resolve(flags.tlsCert), keyFile: resolve(flags.tlsKey) }
  }
  if (flags.fleetRecord != null) overrides.fleet = { record: resolve(flags.fleetRecord) }
  if (flags.postgres != null) overrides.store = { postgres: flags.postgres }
  return { configPath: flags.config, overrides }
}
