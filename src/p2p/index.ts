/**
 * The libp2p assembly: Parley's libp2p options with platform defaults swapped by file
 * (`libp2p-defaults.ts` / `libp2p-defaults.browser.ts`), and the test-network preset. Imported
 * only by the entry points (`node/`, `relay/`, `browser/`); keys and stores come in as options.
 *
 * @packageDocumentation
 */
export {
  DHT_PROTOCOL, createEphemeralLibp2p, createEphemeralNode, createParleyLibp2p, parleyLibp2pDefaults,
  type CreateEphemeralNode, type EphemeralNodeOptions,
  type Libp2pAssemblyInit, type ParleyLibp2p, type ParleyLibp2pOptions, type ParleyServices
} from './create-libp2p.js'
export { canDialDirectly, createDeferredTransports, reachableOnlyViaRelays } from './libp2p-defaults.js'
export type { DeferredTransports } from './deferred-transport.js'
export type { PlatformOptions } from './platform-options.js'
export { testNetwork, type TestNetworkOptions } from './test-network.js'
