import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { ParleyError } from '../errors.js'

/** No passphrase source was available (no TTY, no env, no file). */
export class PassphraseUnavailableError extends ParleyError {
  static override name = 'PassphraseUnavailableError'
  constructor () {
    super('A passphrase is needed: set PARLEY_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal', 'ERR_NO_PASSPHRASE')
  }
}

/** Asks on the terminal without echoing. */
async function prompt (question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  const output = rl as unknown as { _writeToOutput: (s: string) => void, output: NodeJS.WritableStream }
  let muted = false
  output._writeToOutput = (s: string) => { if (!muted) process.stderr.write(s) }
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close()
      process.stderr.write('\n')
      resolve(answer)
    })
    muted = true
  })
}

/**
 * The passphrase, from (in order) `--passphrase-file`, `PARLEY_PASSPHRASE`, or a prompt on a TTY.
 * With `confirm`, a prompted passphrase is asked twice (new accounts).
 */
export async function readPassphrase (options: { file?: string, confirm?: boolean } = {}): Promise<string> {
  if (options.file != null) return (await readFile(options.file, 'utf8')).replace(/\r?\n$/, '')
  const fromEnv = process.env.PARLEY_PASSPHRASE
  if (fromEnv != null && fromEnv !== '') return fromEnv
  if (process.stdin.isTTY !== true) throw new PassphraseUnavailableError()
  while (true) {
    const first = await prompt('Passphrase: ')
    if (options.confirm !== true) return first
    if (first.length < 8) { process.stderr.write('Use at least 8 characters.\n'); continue }
    const second = await prompt('Repeat passphrase: ')
    if (first === second) return first
    process.stderr.write('The two passphrases differ; try again.\n')
  }
}
