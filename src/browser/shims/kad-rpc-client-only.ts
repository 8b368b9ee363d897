/**
 * Build-time stand-in (see scripts/build-browser.mjs) for kad-dht's `rpc/index.js`, the server
 * side of the DHT (answering GET_VALUE, PUT_VALUE, FIND_NODE, ADD_PROVIDER, … from other peers;
 * ≈7.5 KiB minified). Parley runs the DHT in client mode in browsers (`defaultDhtClientMode` in
 * src/node/libp2p-defaults.browser.ts, with `clientMode` set explicitly, so kad-dht never
 * switches by itself): the handler is never registered. Switching a browser node to server mode
 * (`dht.setMode('server')`) throws DhtServerModeUnsupportedError when kad-dht reaches for the
 * handler, before any request is answered.
 */

/** The Parley browser bundle has no DHT server side. */
export class DhtServerModeUnsupportedError extends Error {
  static override name = 'DhtServerModeUnsupportedError'
  constructor () {
    super('DHT server mode is not supported by the Parley browser build: browsers are DHT clients')
    this.name = 'DhtServerModeUnsupportedError'
  }
}

export class RPC {
  // kad-dht passes (components, init); the client never needs them
  constructor (..._args: unknown[]) {}

  /** kad-dht reads this only in `setMode('server')`, to register it as the protocol handler. */
  get onIncomingStream (): never {
    throw new DhtServerModeUnsupportedError()
  }
}
