import * as fc from 'fast-check'
import { decodeBody, encodeBody, toView } from '../../../src/messenger/conversations/message-body.js'
import type { Message } from '../../../src/store/index.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, pureTarget } from '../target.js'

const te = new TextEncoder()
const body = fc.record({
  kind: fc.constantFrom('text', 'unsupported', 'deleted'),
  text: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  reactions: fc.dictionary(fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }), { maxKeys: 2 }),
  forwardable: fc.boolean(),
  editHistory: fc.option(fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }), { nil: undefined })
}).map((b) => encodeBody(b as Parameters<typeof encodeBody>[0]))

/** A stored message's body (JSON inside the sealed `content`): decoding never throws, and what it returns renders. */
export default pureTarget({
  name: 'message-body',
  covers: 'decodeBody, toView (src/messenger/conversations/message-body.ts)',
  input: hostileBytes(fc.oneof(body, fc.jsonValue({ maxDepth: 2 }).map((v) => te.encode(JSON.stringify(v))))),
  runs: 2000,
  run: (bytes: Uint8Array) => {
    const decoded = decodeBody(bytes)
    if (typeof decoded.kind !== 'string' || decoded.reactions == null || typeof decoded.reactions !== 'object') throw invalidResult(`body ${JSON.stringify(decoded)}`)
    const message: Message = { id: 'm', conversationId: 'c', clock: 1, senderTimestamp: 1, direction: 'in', sender: 'peer', content: bytes, status: 'received', expiresAt: null }
    toView(message)
  }
})
