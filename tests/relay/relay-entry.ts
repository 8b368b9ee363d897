/** Child-process entry for tests: `node node_modules/.bin/tsx tests/relay/relay-entry.ts --config FILE`. */
import { relayMain } from '../../src/relay/relay-main.js'

process.exitCode = await relayMain(process.argv.slice(2))
