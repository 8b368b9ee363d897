#!/usr/bin/env node
/**
 * The `parley` command. `npm start` runs `parley daemon`. Exit codes: see exit-codes.ts.
 */
import { CommanderError } from 'commander'
import { ParleyError } from '../errors.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { buildProgram } from './program.js'

try {
  await buildProgram().parseAsync(process.argv)
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok)
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has already printed the help or the usage error
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage)
  }
  const code = err instanceof ParleyError ? err.code : undefined
  process.stderr.write(`parley: ${(err as Error).message}${code != null ? ` (${code})` : ''}\n`)
  process.exit(exitCodeFor(code))
}
