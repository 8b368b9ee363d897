import { join } from 'node:path'
import type { Command } from 'commander'
import { contextOf } from '../context.js'

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
      if (args.includes('--help') || args.includes('-h')) {
        const { relayHelp } = await import('../../relay/config/args.js')
        process.stdout.write(relayHelp())
        return
      }
      const { relayMain } = await import('../../relay/relay-main.js')
      process.exitCode = await relayMain(args, { defaultDataDir: join(contextOf(command).home, 'relay') })
    })
}
