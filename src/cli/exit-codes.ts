/** Shell-friendly exit codes of the `parley` command. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  noAccount: 3,
  wrongPassphrase: 4,
  noDaemon: 5
} as const

/** Maps a ParleyError code to an exit code. */
export function exitCodeFor (code: string | undefined): number {
  switch (code) {
    case 'ERR_NO_ACCOUNT': return EXIT.noAccount
    case 'ERR_WRONG_PASSPHRASE': return EXIT.wrongPassphrase
    case 'ERR_NO_PASSPHRASE': return EXIT.usage
    case 'ERR_NO_DAEMON': return EXIT.noDaemon
    default: return EXIT.failure
  }
}
