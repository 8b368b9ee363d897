import * as fc from 'fast-check'
import { concatBytes, utf8 } from '../../../src/bytes.js'
import { createNobleBackend } from '../../../src/crypto/backend-noble.js'
import {
  MAX_SENDER_CHAINS, MAX_SENDER_SKIPPED_KEYS, SENDER_KEY_SIGNATURE_LABEL, SenderKeyDistribution, SenderKeyMessage, addSenderChain, createSenderChain,
  decodeSenderKeyMessage, decodeSenderKeyRecord, encodeSenderKeyRecord, senderKeyDecrypt, senderKeyDistribution, senderKeyEncrypt
} from '../../../src/crypto/sender-keys.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult, typedOrResultAsync } from '../target.js'

const backend = createNobleBackend()
const groupId = new Uint8Array(16).fill(7)
const ad = utf8('sender-device')
const chain = await createSenderChain(backend, 1_700_000_000_000)
const record = addSenderChain({ chains: [] }, senderKeyDistribution(groupId, chain))
const recordBytes = encodeSenderKeyRecord(record)
/** Three real messages of the chain (iterations 0, 1, 2): the seeds of the byte mutations. */
const sent: Uint8Array[] = []
for (let i = 0, c = chain; i < 3; i++) {
  const out = await senderKeyEncrypt(backend, groupId, c, utf8(`message ${i}`), ad)
  sent.push(out.message)
  c = out.chain
}

/** What a group member holding the chain's signing key may sign: the decryptor's checks after the signature. */
const memberFields = fc.record({
  version: fc.constantFrom(1, 1, 2),
  groupId: fc.oneof(fc.constant(groupId), fc.uint8Array({ maxLength: 20 })),
  chainId: fc.oneof(fc.constant(chain.chainId), fc.nat()),
  iteration: fc.oneof(fc.integer({ min: 0, max: 2100 }), fc.nat()),
  ciphertext: fc.uint8Array({ maxLength: 80 })
})

async function signedByMember (m: Omit<SenderKeyMessage, 'signature'>): Promise<Uint8Array> {
  const unsigned: SenderKeyMessage = { ...m, signature: new Uint8Array(0) }
  const signature = await backend.ed25519Sign(chain.signingPrivate, concatBytes(utf8(SENDER_KEY_SIGNATURE_LABEL), SenderKeyMessage.encode(unsigned)))
  return SenderKeyMessage.encode({ ...unsigned, signature })
}

const distribution = fc.record({
  version: fc.constantFrom(1, 1, 0, 2),
  groupId: fc.uint8Array({ maxLength: 20 }),
  chainId: fc.nat(),
  iteration: fc.nat(),
  chainKey: fc.uint8Array({ minLength: 30, maxLength: 33 }),
  signingKey: fc.uint8Array({ minLength: 30, maxLength: 33 })
}).map((d) => SenderKeyDistribution.encode(d))

/**
 * Sender-key group messages (PROTOCOL.md §12.2): mutations of real messages, messages a member
 * signs with any iteration and ciphertext, hostile distributions and stored records. Decoding and
 * decrypting return or throw typed errors; a refused message leaves the record as it was; a
 * decrypted one keeps the chains within their bounds.
 */
export default pureTarget({
  name: 'sender-key',
  covers: 'decodeSenderKeyMessage, senderKeyDecrypt, addSenderChain, decodeSenderKeyRecord (src/crypto/sender-keys.ts)',
  input: fc.oneof(
    fc.record({ kind: fc.constant('bytes' as const), bytes: hostileBytes(fc.constantFrom(...sent, recordBytes), 512) }),
    fc.record({ kind: fc.constant('signed' as const), fields: memberFields }),
    fc.record({ kind: fc.constant('distribution' as const), bytes: distribution })
  ),
  runs: 600,
  run: async (input) => {
    const before = encodeSenderKeyRecord(record)
    const bytes = input.kind === 'signed' ? await signedByMember(input.fields) : input.bytes
    if (input.kind === 'distribution') {
      const d = typedOrResult(() => SenderKeyDistribution.decode(bytes))
      const added = d != null ? typedOrResult(() => addSenderChain(record, d)) : undefined
      if (added != null && added.chains.length > MAX_SENDER_CHAINS) throw invalidResult('more chains than the limit')
      return
    }
    typedOrResult(() => decodeSenderKeyMessage(bytes))
    const stored = typedOrResult(() => decodeSenderKeyRecord(bytes))
    if (stored != null && (stored.chains.length > MAX_SENDER_CHAINS || stored.chains.some((c) => c.skipped.length > MAX_SENDER_SKIPPED_KEYS))) throw invalidResult('stored record past its limits')
    const out = await typedOrResultAsync(async () => await senderKeyDecrypt(backend, groupId, record, bytes, ad))
    if (Buffer.compare(encodeSenderKeyRecord(record), before) !== 0) throw invalidResult('the record changed in place')
    if (out != null && out.record.chains.some((c) => c.skipped.length > MAX_SENDER_SKIPPED_KEYS)) throw invalidResult('more skipped keys than the limit')
  }
})
