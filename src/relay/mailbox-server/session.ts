import type { Stream } from '@libp2p/interface'
import { encodeFrame } from '../../net/stream/frame-reader.js'
import { CoalescingFrameWriter } from '../../net/stream/frame-writer.js'
import { MailboxResponse } from '../../net/mailbox-codec.js'
import type { AuthenticatedOwner, PendingChallenge } from '../auth.js'
import type { AddressKeys } from '../../net/remote-address.js'
import type { SlotHolder } from '../stream-slots.js'

/** State of one inbound mailbox stream. */
export class MailboxSession implements SlotHolder {
  pending: PendingChallenge | undefined
  owner: AuthenticatedOwner | undefined
  subscribed = false
  queuedPushes = 0
  /** Monotonic times: opened or last deposited/took a prekey (what keeps an unauthenticated stream), last frame. */
  lastUsefulAt = performance.now()
  lastFrameAt = this.lastUsefulAt
  /** Closed to make room for another stream. */
  evicted = false
  /** Byte-share tag of this stream's remote address (computed at its first deposit). */
  depositor: number | undefined
  /** Requests being handled now (concurrent deposits). */
  readonly active = new Set<Promise<void>>()
  /** Woken when a request of `active` settles (the read loop waits here when the stream's share is taken). */
  private slotFreed: (() => void) | undefined
  private readonly writer: CoalescingFrameWriter

  constructor (readonly stream: Stream, readonly remote: string, readonly address: AddressKeys | undefined, writeTimeoutMs: number) {
    this.writer = new CoalescingFrameWriter(stream, { writeTimeoutMs })
  }

  /**
   * Writes one response; responses and pushes never interleave mid-frame, and responses ready
   * in the same turn leave in one stream write.
   */
  async write (response: MailboxResponse): Promise<void> {
    await this.writer.write(encodeFrame(MailboxResponse.encode(response)))
  }

  /** Unauthenticated, not subscribed and nothing in flight: its slot may go to a newcomer. */
  get evictable (): boolean { return this.owner == null && !this.subscribed && this.active.size === 0 }

  /** Tracks a request being handled until it settles. */
  track (handling: Promise<void>): Promise<void> {
    this.active.add(handling)
    return handling.finally(() => {
      this.active.delete(handling)
      const wake = this.slotFreed
      this.slotFreed = undefined
      wake?.()
    })
  }

  /**
   * Resolves once fewer than `limit` requests are being handled. One waiter at a time: only the
   * stream's read loop calls it.
   */
  async belowLimit (limit: number): Promise<void> {
    while (this.active.size >= limit) await new Promise<void>((resolve) => { this.slotFreed = resolve })
  }
}
