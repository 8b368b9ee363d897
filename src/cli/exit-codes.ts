/** Shell-friendly exit codes of the `parley` command. */
export const EXIT = {
  ok: 0,
  /** Anything else that went wrong. */
  failure: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** The home directory holds no account (`parley init` first). */
  noAccount: 3,
  wrongPassphrase: 4,
  /** No daemon serves this home directory (`parley daemon` first). */
  noDaemon: 5,
  /** The contact, conversation or message does not exist. */
  notFound: 6,
  /** Refused in the current state: account exists, daemon already running, not allowed… */
  conflict: 7,
  /** `send --wait`: the message could not be delivered. */
  deliveryFailed: 8,
  /** The daemon rejected our token (it restarted meanwhile?). */
  unauthorized: 9
} as const

/** Maps a ParleyError (or API error) code to an exit code. */
export function exitCodeFor (code: string | undefined): number {
  switch (code) {
    case undefined: return EXIT.failure
    case 'ERR_NO_ACCOUNT': return EXIT.noAccount
    case 'ERR_WRONG_PASSPHRASE': return EXIT.wrongPassphrase
    case 'ERR_NO_PASSPHRASE':
    case 'ERR_PASSPHRASE_FILE_TOO_LARGE':
    case 'ERR_USAGE':
    case 'ERR_INVALID_REQUEST':
    case 'ERR_INVALID_ARGUMENT':
    case 'ERR_INVALID_ADDRESS':
    case 'ERR_INVALID_INVITE_RELAY':
    case 'ERR_AMBIGUOUS_CONTACT':
    case 'ERR_API_PUBLIC_BIND':
      return EXIT.usage
    case 'ERR_NO_DAEMON': return EXIT.noDaemon
    case 'ERR_ACCOUNT_EXISTS':
    case 'ERR_DAEMON_RUNNING':
    case 'ERR_STORE_LOCKED':
    case 'ERR_NOT_ALLOWED':
    case 'ERR_NOT_FORWARDABLE':
    case 'ERR_NOT_GROUP_ADMIN':
    case 'ERR_NOT_GROUP_MEMBER':
    case 'ERR_BLOCKED':
      return EXIT.conflict
    case 'ERR_DELIVERY_FAILED': return EXIT.deliveryFailed
    case 'ERR_UNAUTHORIZED': return EXIT.unauthorized
    default: return /NOT_FOUND$/.test(code) ? EXIT.notFound : EXIT.failure
  }
}
