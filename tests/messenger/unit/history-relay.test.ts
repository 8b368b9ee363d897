import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import type { MessengerContext } from '../../../src/messenger/context.js'
import { HistoryRelay, MAX_HISTORY_ARCHIVE_BYTES, archiveFrames } from '../../../src/messenger/devices/history-relay.js'
import type { OwnDevices } from '../../../src/messenger/devices/own-devices.js'
import { applyContent } from '../../../src/messenger/receive/route.js'
import { Content, SyncUpdate, type Attachment } from '../../../src/wire/content.js'
import { NOW, account, memoryStore } from './stubs.js'

const frame = (length: number, fill = 1): Uint8Array => {
  const out = new Uint8Array(4 + length).fill(fill)
  new DataView(out.buffer).setUint32(0, length)
  return out
}
async function * chunks (...parts: Uint8Array[]): AsyncGenerator<Uint8Array> { yield * parts }
const collect = async (it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> => { const out: Uint8Array[] = []; for await (const x of it) out.push(x); return out }

function archive (size: bigint): Attachment {
  return { key: randomBytes(32), digest: randomBytes(32), size, sha256: randomBytes(32), name: 'history', mime: 'application/x-parley-history', durationMs: 0, waveform: new Uint8Array(0), thumbnail: new Uint8Array(0), width: 0, height: 0 }
}

function syncContent (sync: SyncUpdate): Content {
  return Content.decode(Content.encode({
    version: 1, kind: Content.Kind.SYNC, messageId: randomBytes(16), sentAt: BigInt(NOW), clock: 1n, ttlMs: 0n, secretChatId: new Uint8Array(0),
    syncPeer: new Uint8Array(0), text: '', targetId: new Uint8Array(0), emoji: '', ids: [], receipt: Content.ReceiptType.DELIVERED, flag: false,
    secretAction: Content.SecretAction.START, directOnly: false, groupId: new Uint8Array(0), groupPayload: new Uint8Array(0), senderKey: new Uint8Array(0), sync
  }))
}

describe('history archive through the relays: hostile input', () => {
  it('splits an archive into its frames across any chunking; an oversized frame or a torn end fails typed', async () => {
    const whole = new Uint8Array([...frame(3, 7), ...frame(0), ...frame(5, 9)])
    const split = [whole.subarray(0, 2), whole.subarray(2, 9), whole.subarray(9)]
    expect((await collect(archiveFrames(chunks(...split)))).map((f) => f.length)).toEqual([3, 0, 5])
    // a length prefix over 64 KiB is refused before anything is buffered
    const endless = async function * (): AsyncGenerator<Uint8Array> {
      yield frame(64 * 1024 + 1).subarray(0, 8)
      throw new Error('read on after an oversized length prefix')
    }
    await expect(collect(archiveFrames(endless()))).rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' })
    await expect(collect(archiveFrames(chunks(frame(10).subarray(0, 9))))).rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' })
  })

  it('an archive announced over the size limit is refused with a typed error before anything is fetched or stored', async () => {
    const store = await memoryStore()
    const ctx = { components: { store } } as unknown as MessengerContext
    const relay = new HistoryRelay(ctx, {} as unknown as OwnDevices)
    await expect(relay.received(randomBytes(32), archive(BigInt(MAX_HISTORY_ARCHIVE_BYTES) + 1n))).rejects.toMatchObject({ code: 'ERR_HISTORY_ARCHIVE_TOO_LARGE' })
    expect(await store.settings.get('history-archive-pending')).toBeUndefined()
  })

  it('a HISTORY_ARCHIVE from a contact, or naming another device, is ignored', async () => {
    const store = await memoryStore()
    const self = account()
    const stranger = account()
    const me = randomBytes(32)
    const forged = syncContent({ action: SyncUpdate.Action.HISTORY_ARCHIVE, subject: me, name: '', flag: false, record: new Uint8Array(0), archive: archive(1000n) })
    const fromStranger = await store.transaction(async (tx) => applyContent({ tx, content: forged, sender: stranger.address, senderDevice: randomBytes(32), self: self.address, myDevice: me, now: NOW }))
    expect(fromStranger).toEqual([])
    const otherDevice = await store.transaction(async (tx) => applyContent({ tx, content: forged, sender: self.address, senderDevice: randomBytes(32), self: self.address, myDevice: randomBytes(32), now: NOW }))
    expect(otherDevice).toEqual([])
    const mine = await store.transaction(async (tx) => applyContent({ tx, content: forged, sender: self.address, senderDevice: randomBytes(32), self: self.address, myDevice: me, now: NOW }))
    expect(mine.map((e) => e.kind)).toEqual(['history-archive'])
  })
})
