/** Options the platform-specific libp2p defaults understand. */
export interface PlatformOptions {
  /** ICE servers for WebRTC. Default: none (no third-party STUN). */
  iceServers?: RTCIceServer[]
  /** Node only: the local address WebRTC binds to (tests use 127.0.0.1). */
  webrtcBindAddress?: string
  /** Node only: PEM certificate and key for secure WebSockets listeners (`/tls/ws`). */
  webSocketsTls?: { cert: string, key: string }
}
