import type { Command } from 'commander'
import type { ScryptParams } from '../daemon/home.js'
import { ApiClient } from './api-client.js'
import { resolveHome } from './home-dir.js'

/** Options every command accepts, before or after the subcommand. */
export interface GlobalOptions {
  home?: string
  passphraseFile?: string
}

/** What a command needs from its surroundings. */
export interface CliContext {
  home: string
  passphraseFile?: string
  /** Connects to the daemon of `home` (NoDaemonError when none runs). */
  client: () => Promise<ApiClient>
  /** Prints a line on stdout. */
  out: (line: string) => void
}

/** The context of the command being run. */
export function contextOf (command: Command): CliContext {
  const { home, passphraseFile } = command.optsWithGlobals<GlobalOptions>()
  const dir = resolveHome(home)
  return {
    home: dir,
    passphraseFile,
    client: async () => ApiClient.forHome(dir),
    out: (line) => { process.stdout.write(line + '\n') }
  }
}

/** `PARLEY_TEST_KDF=1`: cheap scrypt parameters for tests (never for real accounts). */
export function kdfFromEnv (): ScryptParams | undefined {
  return process.env.PARLEY_TEST_KDF === '1' ? { N: 1024, r: 8, p: 1 } : undefined
}

/** `PARLEY_TEST_NETWORK=1`: loopback test networks (many peers per IP, private addresses). */
export function testNetworkFromEnv (): boolean {
  return process.env.PARLEY_TEST_NETWORK === '1'
}

/** Collects a repeatable option's values. */
export function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}
