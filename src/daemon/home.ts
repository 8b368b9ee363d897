/**
 * What the CLI needs to know of a home directory before (or without) a daemon: whether it holds
 * an account, the error when it does not, and the key-derivation settings type. The CLI takes
 * them from here, not from `node/` or `store/` (the layer rules: `cli/` speaks to `daemon/`).
 */
export { hasAccount } from '../node/home-store.js'
export { NoAccountError } from '../node/errors.js'
export type { ScryptParams } from '../store/index.js'
