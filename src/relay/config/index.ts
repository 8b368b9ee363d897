/**
 * The relay's configuration: its limits and their defaults (`limits.ts`), the resolved config
 * and its defaults (`config.ts`), checking and loading a JSON config (`parse.ts`) and the
 * `parley relay` flags (`args.ts`).
 */
export { defaultMailboxLimits, defaultRelayLimits, type MailboxLimits, type RelayLimits } from './limits.js'
export { defaultRelayConfig, type RelayConfig, type RelayConfigInput } from './config.js'
export { isSecureWebSockets, loadRelayConfig, parseRelayConfig, validateRelayConfig } from './parse.js'
export { parseRelayArgs, relayHelp, type RelayArgs } from './args.js'
