/**
 * Standalone relay entry (`tsx src/relay/main.ts --config relay.json`); `parley relay` calls
 * {@link relayMain} the same way.
 */
import { relayMain } from './relay-main.js'

process.exitCode = await relayMain(process.argv.slice(2))
