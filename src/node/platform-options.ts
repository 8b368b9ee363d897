// TEMPORARY: re-export for src/messenger until it takes MessengerComponents
export type { PlatformOptions } from '../p2p/platform-options.js'
