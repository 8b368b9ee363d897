import type { DeferredTransports } from './deferred-transport.js'
import type { TestNetworkOptions } from './test-network.js'

/** Options the platform-specific libp2p defaults understand. */
export interface PlatformOptions extends Pick<TestNetworkOptions, 'webrtcBindAddress'> {
  /** ICE servers for WebRTC. Default: none (no third-party STUN). */
  iceServers?: RTCIceServer[]
  /**
   * Node only: accept and dial WebRTC connections. Relays turn it off: nothing they serve needs
   * it (browsers reach them over WebSockets and each other through their circuit relay), and a
   * WebRTC connection carries no IP address to rate-limit by. @default true
   */
  webrtc?: boolean
  /**
   * Node only: add the WebRTC transport through these deferred transports instead of importing
   * it with the node (its ~580 modules are half of a daemon's start): it dials and accepts
   * nothing until `deferredTransports.load()` (docs/PERFORMANCE.md, "Daemon start").
   */
  deferredTransports?: DeferredTransports
  /** Node only: PEM certificate and key for secure WebSockets listeners (`/tls/ws`). */
  webSocketsTls?: { cert: string, key: string }
}
