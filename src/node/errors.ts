export { NoAccountError, NodeNotStartedError } from '../device/errors.js'
