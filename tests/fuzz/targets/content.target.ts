import * as fc from 'fast-check'
import { encodeAddress } from '../../../src/identity/address.js'
import { MAX_IDS_PER_CONTENT } from '../../../src/messenger/constants.js'
import { applyContent } from '../../../src/messenger/receive/route.js'
import { openMemoryStore, type Store } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'
import { validContent } from '../arbitraries.js'
import { mutated } from '../mutate.js'
import { invalidResult, type FuzzTarget } from '../target.js'

/** A few message ids and secret-chat ids, so that edits, reactions, deletes and receipts meet earlier texts. */
const POOL = Array.from({ length: 4 }, (_, i) => new Uint8Array(16).fill(i + 1))
const pooled = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...POOL) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }) })
const content = fc.tuple(validContent, pooled, pooled, fc.array(pooled, { maxLength: 3 }), fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: fc.constantFrom(...POOL) }))
  .map(([c, messageId, targetId, ids, secretChatId]) => Content.encode({ ...c, messageId, targetId, ids, secretChatId }))

const SENDER_KEY = new Uint8Array(32).fill(7)
const SELF_KEY = new Uint8Array(32).fill(9)
const sender = encodeAddress(SENDER_KEY)
const self = encodeAddress(SELF_KEY)

/**
 * Decrypted contents of every kind as a peer (or my other device) may send them, decoded as the
 * inbox does and applied in a store transaction by the receive handlers, one store across runs
 * (so edits, deletes and secret-chat controls meet earlier messages).
 */
const target: FuzzTarget<{ bytes: Uint8Array, fromSelf: boolean, device: number }> = {
  name: 'content',
  covers: 'Content decode + applyContent and every receive handler (src/messenger/receive/)',
  input: fc.record({ bytes: fc.oneof({ weight: 3, arbitrary: content }, { weight: 2, arbitrary: mutated(content) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) }), fromSelf: fc.boolean(), device: fc.integer({ min: 1, max: 2 }) }),
  runs: 800,
  open: async () => {
    const store: Store = await openMemoryStore()
    let now = 1_700_000_000_000
    return {
      run: async ({ bytes, fromSelf, device }, options) => {
        let decoded: Content
        try {
          decoded = Content.decode(bytes, { limits: { ids: MAX_IDS_PER_CONTENT } })
        } catch {
          return // the inbox shows undecodable content as unsupported (a TEXT-less UNKNOWN)
        }
        now += 1000
        const effects = await store.transaction(async (tx) => applyContent({
          tx, content: decoded, sender: fromSelf ? self : sender, senderDevice: new Uint8Array(32).fill(device), self, now
        }), options)
        if (!Array.isArray(effects)) throw invalidResult('effects')
      },
      healthy: async () => {
        // the store is still consistent: every conversation pages its messages
        for (const conversation of (await store.conversations.byActivity({ limit: 100 })).items) await store.messages.latest(conversation.id, { limit: 50 })
      },
      close: async () => { await store.close() }
    }
  }
}
export default target
