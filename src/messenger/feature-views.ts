/** The views and options of the wave-2 features (attachments, groups, channels, own devices), re-exported by `types.ts`. */

import type { ConversationId } from './types.js'

/** Where an attachment stands on this device. */
export type AttachmentState = 'pending' | 'downloading' | 'complete' | 'failed'

/** An attached file as the API shows it (the key and digests stay inside). */
export interface AttachmentView {
  name: string
  /** Plaintext bytes. */
  size: number
  mime: string
  /** Hex SHA-256 of the plaintext. */
  sha256: string
  state: AttachmentState
  /** Voice notes. */
  durationMs?: number
  waveform?: number[]
  /** Pictures: base64 thumbnail and its size in pixels. */
  thumbnail?: string
  width?: number
  height?: number
  /** The stable code of the last failed download. */
  error?: string
}

/** Options of `sendFile`. */
export interface SendFileOptions {
  signal?: AbortSignal
  /** File name shown to the recipient (default: the path's last part, else `file`). */
  name?: string
  /** MIME type (default `application/octet-stream`). */
  mime?: string
  /** Lifetime in ms (1 s to 4 weeks); default: the conversation's timer. */
  ttlMs?: number
  /** Caption. */
  caption?: string
  /** Voice notes: duration and amplitude samples (≤ 128, 0–255). */
  durationMs?: number
  waveform?: number[]
  /** Pictures: a small thumbnail (≤ 16 KiB) and the picture's size. */
  thumbnail?: Uint8Array
  width?: number
  height?: number
  /** Plaintext bytes sealed so far (rises monotonically to the size). */
  onProgress?: (bytes: number) => void
}

/** Progress of an attachment moving up (sealing) or down (downloading). */
export interface AttachmentProgress {
  conversationId: ConversationId
  messageId: string
  direction: 'up' | 'down'
  /** Bytes done: plaintext sealed, or ciphertext verified. */
  bytes: number
  /** Bytes in all (ciphertext for downloads; 0 while sealing a stream of unknown size). */
  total: number
}

/** A group as the API shows it. */
export interface GroupView {
  id: ConversationId
  name: string
  members: Array<{ address: string, role: 'admin' | 'member' }>
  /** This account: a member, removed by an admin, or left. */
  self: 'member' | 'removed' | 'left'
  /** Disappearing timer of new messages (ms), 0 = off. */
  timerMs: number
  /** Joins by invite link: wait for the link creator's approval, or accepted at once. */
  joinByLink: 'approve' | 'auto'
  /** The group's picture (its bytes: `groupPicture`), or null. */
  picture: { mime: string, setAt: number } | null
}

/** A broadcast channel as the API shows it. */
export interface ChannelView {
  /** 32 hex characters, from the channel's public key. */
  id: string
  name: string
  role: 'owner' | 'admin' | 'subscriber'
  private: boolean
  /** The subscription link (carries the channel key of a private channel: share it with care). */
  link: string
  /** Newest post held without a gap before it. */
  head: number
  muted: boolean
  /** The admins the owner named (hex keys of `channelAdminKey`), newest list seen. */
  admins: string[]
}

/** One post of a channel. */
export interface ChannelPostView {
  channelId: string
  seq: number
  text: string
  /** hex of the signing key: the channel key (owner) or an admin's. */
  author: string
  createdAt: number
  edited: boolean
  deleted: boolean
  /** Reactions by emoji and views, as the owner last tallied them (PROTOCOL.md §13.5). */
  reactions: Record<string, number>
  views: number
  /** This account's own reaction to the post, if any. */
  myReaction?: string
  /** A file or voice note; `text` is its caption. Fetched on demand (`downloadChannelFile`). */
  file?: AttachmentView
}

/** What an owner's collection of sealed reactions and views took in (`tallyChannel`). */
export interface ChannelTallyView {
  /** Sealed feedback opened, and refused (not sealed to this channel, malformed). */
  opened: number
  refused: number
  /** Posts whose counts changed (published in a TALLY post). */
  changed: number[]
}

/** A new device waiting for this device's user to confirm it (`confirmDeviceLink`). */
export interface LinkRequestView {
  id: string
  /** The short authentication string ("123 456"): the new device shows the same. */
  sas: string
  /** The new device's key (hex) and PeerId. */
  deviceKey: string
  peerId: string
  /** When the request is declined unless confirmed (ms). */
  expiresAt: number
  /** The history the new device asked for once linked: none, sent on the link stream (`direct`), or sealed for the account's relays (`relay`). */
  history?: 'none' | 'direct' | 'relay'
}

/** One device of this account. */
export interface DeviceView {
  /** The device key (hex): what `renameDevice` and `unlinkDevice` take. */
  id: string
  /** Same as `id` (kept for older clients). */
  deviceKey: string
  peerId: string
  name: string
  /** `browser` (reachable only through the account's relays) or `node` (a daemon or app). */
  platform: 'browser' | 'node'
  /** When it joined the account (ms since the epoch; 0 when unknown). */
  addedAt: number
  /** When this device last heard from it (ms); this device: now; null: never. */
  lastSeen: number | null
  thisDevice: boolean
}

/** A group invite link (issue #20): `link` is shown once, to its creator, when made. */
export interface GroupLinkView {
  /** `parley://group/…`: whoever holds it may ask to join. */
  link: string
  /** 32 hex characters: how the group's log (and revocation) names the link. */
  linkId: string
  /** The creator's address (join requests go to its devices). */
  creator: string
  /** ms since the epoch, 0 = never. */
  expiresAt: number
}

/** A join request by link waiting for approval. */
export interface GroupJoinRequestView {
  address: string
  linkId: string
  /** When it arrived (ms). */
  at: number
}

/** What asking to join by link did: `requested` (sent to the link's creator) or `member` already. */
export interface GroupJoinResult {
  groupId: string
  name: string
  status: 'requested' | 'member'
}
