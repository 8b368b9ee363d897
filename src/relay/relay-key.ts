// TEMPORARY: re-export for src/messenger until it takes MessengerComponents (relay discovery moved to net/)
export { relayProviderCid } from '../net/relay-discovery.js'
