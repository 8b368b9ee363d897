import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { ParleyError } from '../errors.js'

/** No passphrase source was available (no TTY, no env, no file). */
export class PassphraseUnavailableError extends ParleyError {
  static override name = 'PassphraseUnavailableError'
  constructor () {
    super('A passphrase is needed: set PARLEY_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal', 'ERR_NO_PASSPHRASE')
  }
}

/** Largest passphrase file read (bytes): `--passphrase-file /dev/zero` must not run forever. */
export const MAX_PASSPHRASE_FILE_BYTES = 4096

/** The passphrase file holds more than MAX_PASSPHRASE_FILE_BYTES (or never ends). */
export class PassphraseFileTooLargeError extends ParleyError {
  static override name = 'PassphraseFileTooLargeError'
  constructor (file: string) {
    super(`The passphrase file ${file} is larger than ${MAX_PASSPHRASE_FILE_BYTES} bytes`, 'ERR_PASSPHRASE_FILE_TOO_LARGE')
  }
}

/**
 * Reads at most MAX_PASSPHRASE_FILE_BYTES of `file` (a regular file, a FIFO, `/dev/stdin`…), one
 * byte more to tell that there is more, and never the rest.
 *
 * @throws {PassphraseFileTooLargeError} `ERR_PASSPHRASE_FILE_TOO_LARGE`
 */
async function readPassphraseFile (file: string): Promise<string> {
  const buffer = Buffer.alloc(MAX_PASSPHRASE_FILE_BYTES + 1)
  const handle = await open(file, 'r')
  let length = 0
  try {
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length)
      if (bytesRead === 0) break
      length += bytesRead
    }
  } finally {
    await handle.close()
  }
  if (length > MAX_PASSPHRASE_FILE_BYTES) throw new PassphraseFileTooLargeError(file)
  return buffer.subarray(0, length).toString('utf8')
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
  if (options.file != null) return (await readPassphraseFile(options.file)).replace(/\r?\n$/, '')
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
