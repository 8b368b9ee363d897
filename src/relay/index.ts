/**
 * `parley/relay`: the relay service (DHT server, circuit-relay-v2 server, store-and-forward
 * mailboxes) and its building blocks.
 */
export { startRelay, type Relay, type StartRelayOptions } from './relay.js'
export { relayMain, type RelayMainOptions } from './relay-main.js'
export {
  defaultRelayConfig, defaultRelayLimits, loadRelayConfig, parseRelayArgs, parseRelayConfig, relayHelp, validateRelayConfig,
  type RelayArgs, type RelayConfig, type RelayConfigInput, type RelayLimits
} from './config/index.js'
export { MailboxServer, mailboxServer, defaultMailboxLimits, type MailboxLimits, type MailboxServerInit, type MailboxServerComponents } from './mailbox-server/index.js'
export { MailboxStore, type MailboxStoreLimits } from './mailbox-store/index.js'
export { MailboxAuthenticator } from './auth.js'
export { RateLimiter, type RateLimit } from '../net/rate-limiter.js'
export { RelayMetrics, startMetricsServer, type MetricsServer } from './metrics.js'
export { jsonLogger, silentLogger, logWarn, type LevelLogger, type RelayLogger, type LogLevel } from './logger.js'
export { loadOrCreateRelayKey, RELAY_KEY_FILE } from './relay-identity.js'
export {
  FleetFileError, FleetNotMemberError, fleetFileOf, generateOperatorKey, parseMembers, readFleetRecordFile, readOperatorKeyFile, signFleetFile,
  writeOperatorKeyFile, type FleetRecordFile
} from './fleet/fleet-files.js'
export { FleetMembership } from './fleet/fleet-member.js'
export { relayProviderCid } from '../net/relay-discovery.js'
export * from './errors.js'
export * as relayDefaults from './constants.js'
export { MAILBOX_PROTOCOL, MailboxErrorCode } from '../net/mailbox-codec.js'
