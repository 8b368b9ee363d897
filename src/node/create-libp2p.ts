// TEMPORARY: re-export for src/messenger until it takes MessengerComponents
export { createEphemeralLibp2p } from '../p2p/create-libp2p.js'
