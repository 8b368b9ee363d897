import * as fc from 'fast-check'
import { toHex } from '../../../src/bytes.js'
import { applyHistoryFrame, historyFrames } from '../../../src/messenger/devices/history-archive.js'
import { openMemoryStore, type Store } from '../../../src/store/index.js'
import { HistoryFrame } from '../../../src/wire/history.js'
import { NOW, account, normalChat, storedText } from '../../messenger/unit/stubs.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, typedOrResultAsync, type FuzzTarget } from '../target.js'

async function collect (frames: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of frames) out.push(f)
  return out
}

/** The archive a real store exports (two chats, a few messages): the seeds of the mutations. */
const source = await openMemoryStore()
for (let c = 0; c < 2; c++) {
  const peer = account()
  const chat = await normalChat(source, peer.address)
  for (let i = 0; i < 3; i++) await storedText(source, chat, i % 2 === 0 ? peer.address : 'me', i % 2 === 0 ? 'in' : 'out', `m${c}${i}`)
}
const seeds = await collect(historyFrames(source, NOW - 86_400_000))
const seedFrame = HistoryFrame.decode(seeds[0])
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

/** Frames with every field chosen: ids, addresses and statuses of any text, clocks past 2^53, messages of unknown chats. */
const structured = fc.record({
  contacts: fc.array(fc.record({ address: fc.oneof(fc.constantFrom(...seedFrame.contacts.map((c) => c.address)), fc.string({ maxLength: 70 })), name: fc.string({ maxLength: 20 }), verification: fc.constantFrom('unverified', 'verified', 'changed', 'bogus', ''), blocked: fc.boolean(), addedAt: u64, identityKey: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 3 }),
  conversations: fc.array(fc.record({ id: fc.oneof(fc.constantFrom(...seedFrame.conversations.map((c) => c.id)), fc.string({ maxLength: 40 })), peer: fc.string({ maxLength: 70 }), lastActivity: u64, unreadCount: fc.nat(), timerMs: u64, clock: u64, createdAt: u64 }), { maxLength: 3 }),
  messages: fc.array(fc.record({ id: fc.string({ maxLength: 40 }), conversationId: fc.oneof(fc.constantFrom(...seedFrame.conversations.map((c) => c.id)), fc.string({ maxLength: 40 })), clock: u64, sentAt: u64, outgoing: fc.boolean(), sender: fc.string({ maxLength: 70 }), content: fc.uint8Array({ maxLength: 100 }), status: fc.constantFrom('sent', 'received', 'read', 'bogus'), expiresAt: u64 }), { maxLength: 4 }),
  totalMessages: fc.nat(),
  done: fc.boolean()
}).map((f) => HistoryFrame.encode(f))

/** Message ids and conversation ids a store exports: what the new device holds. */
async function held (store: Store): Promise<string> {
  const frames = (await collect(historyFrames(store, 0))).map((f) => HistoryFrame.decode(f))
  return JSON.stringify([frames.flatMap((f) => f.messages.map((m) => m.id)).sort(), frames.flatMap((f) => f.conversations.map((c) => c.id)).sort()])
}

/**
 * The history archive a new device receives when linked (PROTOCOL.md, device linking 2.0):
 * mutations of frames a real store exported, and frames with every field chosen, applied to a
 * fresh store. Each frame is stored or refused with a typed error; every message stored belongs
 * to a normal chat the store holds; the store still exports its whole archive afterwards (nothing
 * stored that breaks reading it back), and a frame applied a second time changes nothing.
 */
const target: FuzzTarget<Uint8Array[]> = {
  name: 'history-archive',
  covers: 'applyHistoryFrame, historyFrames (src/messenger/devices/history-archive.ts)',
  input: fc.array(fc.oneof(hostileBytes(fc.constantFrom(...seeds), 2048), structured), { minLength: 1, maxLength: 3 }),
  runs: 200,
  open: async () => ({
    run: async (frames) => {
      const store = await openMemoryStore()
      try {
        for (const frame of frames) {
          const applied = await typedOrResultAsync(async () => await applyHistoryFrame(store, frame))
          if (applied == null) continue
          // every message stored belongs to a normal chat the store holds (none hidden in no chat, none in a secret chat)
          for (const m of HistoryFrame.decode(frame).messages) {
            const stored = await store.messages.get(m.id)
            if (stored == null) continue
            const chat = await store.conversations.get(stored.conversationId)
            if (chat == null || chat.kind !== 'normal') throw invalidResult(`message ${JSON.stringify(m.id)} stored outside a normal chat it names`)
          }
          const before = await held(store)
          await applyHistoryFrame(store, frame)
          if (await held(store) !== before) throw invalidResult(`a frame applied twice changed the store (${toHex(frame).slice(0, 40)}…)`)
        }
      } finally {
        await store.close()
      }
    }
  })
}
export default target
