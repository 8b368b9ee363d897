// TEMPORARY: re-export for src/messenger until it takes MessengerComponents
export { reachableOnlyViaRelays } from '../p2p/libp2p-defaults.js'
