// TEMPORARY: re-export for src/messenger until it takes MessengerComponents
export { LocalPrekeys } from '../device/local-prekeys.js'
