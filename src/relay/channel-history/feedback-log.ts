import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Level } from 'level'
import { fromUtf8, utf8 } from '../../bytes.js'
import { SEALED_FEEDBACK_BYTES } from '../../identity/channel/channel-feedback.js'
import type { FeedbackLog, HeldFeedback } from '../../net/channel-feedback-inbox.js'

/** Key of one held box: `f!<channel key hex>!<cursor, 16 hex digits>` (sorted by channel, then cursor). */
function feedbackKey (channel: string, cursor: number): string {
  return `f!${channel}!${cursor.toString(16).padStart(16, '0')}`
}

/** Value: u64be received-at (ms), synced flag, peer (u8 length ‖ utf8), address (u8 length ‖ utf8), the sealed box. */
function pack (item: HeldFeedback): Uint8Array {
  const peer = utf8(item.peer).subarray(0, 255)
  const address = utf8(item.address ?? '').subarray(0, 255)
  const out = new Uint8Array(8 + 1 + 1 + peer.length + 1 + address.length + item.sealed.length)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(item.at))
  out[8] = item.synced === true ? 1 : 0
  out[9] = peer.length
  out.set(peer, 10)
  out[10 + peer.length] = address.length
  out.set(address, 11 + peer.length)
  out.set(item.sealed, 11 + peer.length + address.length)
  return out
}

function unpack (cursor: number, value: Uint8Array): HeldFeedback {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const peerLength = value[9]
  const addressLength = value[10 + peerLength]
  const sealed = value.slice(11 + peerLength + addressLength)
  if (sealed.length !== SEALED_FEEDBACK_BYTES) throw new Error('bad sealed feedback length')
  const address = fromUtf8(value.subarray(11 + peerLength, 11 + peerLength + addressLength))
  return {
    cursor,
    at: Number(view.getBigUint64(0)),
    sealed,
    peer: fromUtf8(value.subarray(10, 10 + peerLength)),
    ...(address !== '' ? { address } : {}),
    ...(value[8] === 1 ? { synced: true } : {})
  }
}

/**
 * The sealed reader feedback a single relay holds, written through to its channel-history
 * LevelDB (beside the posts, under `f!`), so that a restart between a reader's deposit and the
 * owner's collection loses nothing. The in-memory index is `ChannelFeedbackInbox`'s.
 */
export class LevelFeedbackLog implements FeedbackLog {
  constructor (private readonly db: Level<string, Uint8Array>, private readonly log: Logger) {}

  async * load (options: AbortOptions = {}): AsyncIterable<{ channel: string, item: HeldFeedback }> {
    for await (const [key, value] of this.db.iterator({ gte: 'f!', lt: 'f"' })) {
      options.signal?.throwIfAborted()
      const [, channel, cursorHex] = key.split('!')
      try {
        yield { channel, item: unpack(Number.parseInt(cursorHex, 16), value) }
      } catch (err) {
        this.log.error('dropping an unreadable held feedback %s - %e', key, err)
        await this.db.del(key)
      }
    }
  }

  async write (channel: string, put: HeldFeedback | undefined, dropped: number[], options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.db.batch([
      ...dropped.map((cursor) => ({ type: 'del' as const, key: feedbackKey(channel, cursor) })),
      ...(put != null ? [{ type: 'put' as const, key: feedbackKey(channel, put.cursor), value: pack(put) }] : [])
    ])
  }
}
