import * as fc from 'fast-check'
import { parseRelayArgs, parseRelayConfig } from '../../../src/relay/config/index.js'
import { pureTarget, typedOrResult } from '../target.js'

const field = fc.constantFrom('dataDir', 'listen', 'announce', 'limits', 'metrics', 'provide', 'log', 'tls', 'manyPeersPerAddress', 'colour')
const limitField = fc.constantFrom('retentionMs', 'maxEnvelopeBytes', 'mailboxMaxEnvelopes', 'depositRate', 'depositRatePerAddress', 'frameTimeoutMs', 'exemptAddresses', 'nope')
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1, 1.5, 2 ** 53, Number.MAX_VALUE, '/ip4/127.0.0.1/tcp/0', ['/ip4/127.0.0.1/tcp/0'], ['not a multiaddr'], ['10.0.0.0/8'], ['10.0.0.0/99'], { perSecond: 0 }, { perSecond: 1, burst: 2 }, { level: 'warn' }, { port: 70000 })
)
const config = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(field, value, { maxKeys: 4 }),
  fc.dictionary(limitField, value, { maxKeys: 4 }).map((limits) => ({ limits }))
)
const argv = fc.array(fc.oneof(fc.constantFrom('--config', '--data', '--listen', '--listen=/ip4/1.2.3.4/tcp/1', '--metrics-port', '--no-metrics', '--log-level', '--bogus', '-h', '0', '99999', 'x'), fc.string({ maxLength: 12 })), { maxLength: 6 })

/** The relay's config file (any JSON) and command line, as an operator may write them. */
export default pureTarget({
  name: 'relay-config',
  covers: 'parseRelayConfig, parseRelayArgs (src/relay/config/)',
  input: fc.tuple(config, argv),
  runs: 2000,
  run: ([input, args]: [unknown, string[]]) => {
    typedOrResult(() => parseRelayConfig(input, { baseDir: '/tmp/parley-fuzz' }))
    const parsed = typedOrResult(() => parseRelayArgs(args))
    if (parsed != null) typedOrResult(() => parseRelayConfig(parsed.overrides, { baseDir: '/tmp/parley-fuzz' }))
  }
})
