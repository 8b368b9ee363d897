/**
 * The settings only test networks and development set, gathered in one place so that production
 * options stay free of them.
 */
export interface TestNetworkOptions {
  /** Allow dialling private and loopback addresses (browsers refuse them otherwise). @default false */
  allowPrivateAddresses?: boolean
  /**
   * Allow many inbound connections per second from one IP (test networks and LANs with many
   * nodes on one address). @default false
   */
  manyPeersPerAddress?: boolean
  /** Node only: the local address WebRTC binds to (tests on a loopback-only host use 127.0.0.1). */
  webrtcBindAddress?: string
}

/**
 * The preset for a test network of many nodes on loopback: private addresses dialable, no
 * per-address connection throttling, WebRTC bound to 127.0.0.1.
 *
 * @example
 * ```ts
 * const options = parleyLibp2pDefaults({ privateKey, ...testNetwork() })
 * ```
 */
export function testNetwork (overrides: TestNetworkOptions = {}): Required<TestNetworkOptions> {
  return { allowPrivateAddresses: true, manyPeersPerAddress: true, webrtcBindAddress: '127.0.0.1', ...overrides }
}
