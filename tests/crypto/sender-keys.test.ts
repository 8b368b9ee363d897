import { describe, expect, it } from 'vitest'
import { toHex, utf8 } from '../../src/bytes.js'
import { ErrorCode } from '../../src/errors.js'
import {
  MAX_SENDER_CHAINS, MAX_SENDER_FORWARD_JUMP, SENDER_KEY_MAX_AGE_MS, SENDER_KEY_MAX_MESSAGES, SenderKeyMessage, addSenderChain, createSenderChain,
  decodeSenderKeyRecord, encodeSenderKeyRecord, needsSenderKeyRotation, senderKeyDecrypt, senderKeyDistribution, senderKeyEncrypt,
  type SenderChainState, type SenderKeyRecord
} from '../../src/crypto/sender-keys.js'
import { seededBackends } from './helpers.js'

const groupId = new Uint8Array(16).fill(7)
const ad = utf8('sender-device')
const NOW = 1_700_000_000_000

for (const backend of seededBackends('sender-keys')) {
  describe(`sender keys (${backend.name})`, () => {
    async function pair (): Promise<{ chain: SenderChainState, record: SenderKeyRecord }> {
      const chain = await createSenderChain(backend, NOW)
      return { chain, record: addSenderChain({ chains: [] }, senderKeyDistribution(groupId, chain)) }
    }
    async function send (chain: SenderChainState, text: string): Promise<{ message: Uint8Array, chain: SenderChainState }> {
      return senderKeyEncrypt(backend, groupId, chain, utf8(text), ad)
    }

    it('encrypts once, decrypts in and out of order, refuses replays', async () => {
      let { chain, record } = await pair()
      const sent: Uint8Array[] = []
      for (const text of ['one', 'two', 'three']) {
        const out = await send(chain, text)
        chain = out.chain
        sent.push(out.message)
      }
      const third = await senderKeyDecrypt(backend, groupId, record, sent[2], ad)
      expect(new TextDecoder().decode(third.plaintext)).toBe('three')
      record = third.record
      expect(record.chains[0].skipped).toHaveLength(2)
      const first = await senderKeyDecrypt(backend, groupId, record, sent[0], ad)
      expect(new TextDecoder().decode(first.plaintext)).toBe('one')
      record = first.record
      await expect(senderKeyDecrypt(backend, groupId, record, sent[0], ad)).rejects.toMatchObject({ code: ErrorCode.REPLAY })
      await expect(senderKeyDecrypt(backend, groupId, record, sent[2], ad)).rejects.toMatchObject({ code: ErrorCode.REPLAY })
      const second = await senderKeyDecrypt(backend, groupId, record, sent[1], ad)
      expect(new TextDecoder().decode(second.plaintext)).toBe('two')
      expect(second.record.chains[0].skipped).toHaveLength(0)
    })

    it('refuses a forged signature, a tampered ciphertext, another group, other associated data, leaving the state as it was', async () => {
      const { chain, record } = await pair()
      const { message } = await send(chain, 'hi')
      const decoded = SenderKeyMessage.decode(message)
      const badSig = Uint8Array.from(decoded.signature)
      badSig[3] ^= 1
      await expect(senderKeyDecrypt(backend, groupId, record, SenderKeyMessage.encode({ ...decoded, signature: badSig }), ad)).rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
      // a member who knows the chain key but not the signing key cannot forge: re-signing with another key fails
      const other = await createSenderChain(backend, NOW)
      const forged = await senderKeyEncrypt(backend, groupId, { ...other, chainId: chain.chainId, chainKey: chain.chainKey }, utf8('forged'), ad)
      await expect(senderKeyDecrypt(backend, groupId, record, forged.message, ad)).rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
      await expect(senderKeyDecrypt(backend, new Uint8Array(16), record, message, ad)).rejects.toMatchObject({ code: ErrorCode.DECRYPT })
      await expect(senderKeyDecrypt(backend, groupId, record, message, utf8('another sender'))).rejects.toMatchObject({ code: ErrorCode.DECRYPT })
      await expect(senderKeyDecrypt(backend, groupId, record, new Uint8Array([1, 2, 3]), ad)).rejects.toMatchObject({ code: ErrorCode.MALFORMED_MESSAGE })
      await expect(senderKeyDecrypt(backend, groupId, record, new Uint8Array(200 * 1024), ad)).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE })
      // nothing of it changed the record: the genuine message still reads
      expect(new TextDecoder().decode((await senderKeyDecrypt(backend, groupId, record, message, ad)).plaintext)).toBe('hi')
    })

    it(`refuses a jump of more than ${MAX_SENDER_FORWARD_JUMP} iterations; accepts exactly the bound`, async () => {
      const { chain, record } = await pair()
      // the sender's chain after `n` messages (the chain KDF: next chain key = HMAC(chain key, 0x02))
      let c = chain
      for (let i = 0; i < MAX_SENDER_FORWARD_JUMP; i++) c = { ...c, iteration: c.iteration + 1, chainKey: await backend.hmacSha256(c.chainKey, Uint8Array.of(2)) }
      const atBound = await send(c, 'at the bound')
      expect(SenderKeyMessage.decode(atBound.message).iteration).toBe(MAX_SENDER_FORWARD_JUMP)
      const past = await send(atBound.chain, 'one past')
      await expect(senderKeyDecrypt(backend, groupId, record, past.message, ad)).rejects.toMatchObject({ code: ErrorCode.TOO_MANY_SKIPPED })
      const ok = await senderKeyDecrypt(backend, groupId, record, atBound.message, ad)
      expect(new TextDecoder().decode(ok.plaintext)).toBe('at the bound')
      expect(ok.record.chains[0].skipped).toHaveLength(MAX_SENDER_FORWARD_JUMP)
    }, 120_000)

    it('a rotated chain is unreadable with the old record (a removed member); a record keeps the newest chains only', async () => {
      let { chain, record } = await pair()
      const removedMembersRecord = record
      chain = await createSenderChain(backend, NOW)
      record = addSenderChain(record, senderKeyDistribution(groupId, chain))
      const { message } = await send(chain, 'after the removal')
      await expect(senderKeyDecrypt(backend, groupId, removedMembersRecord, message, ad)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_SENDER_CHAIN })
      expect(new TextDecoder().decode((await senderKeyDecrypt(backend, groupId, record, message, ad)).plaintext)).toBe('after the removal')
      for (let i = 0; i < MAX_SENDER_CHAINS + 2; i++) record = addSenderChain(record, senderKeyDistribution(groupId, await createSenderChain(backend, NOW)))
      expect(record.chains).toHaveLength(MAX_SENDER_CHAINS)
      await expect(senderKeyDecrypt(backend, groupId, record, message, ad)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_SENDER_CHAIN })
      // a replayed distribution does not rewind a chain
      const again = addSenderChain(record, { ...senderKeyDistribution(groupId, chain), iteration: 0 })
      expect(again.chains.filter((c) => c.chainId === chain.chainId)).toHaveLength(1)
    })

    it('rotation is due after 1,000 messages or 7 days; the record survives its encoding', async () => {
      const { chain, record } = await pair()
      expect(needsSenderKeyRotation(chain, NOW)).toBe(false)
      expect(needsSenderKeyRotation({ ...chain, iteration: SENDER_KEY_MAX_MESSAGES }, NOW)).toBe(true)
      expect(needsSenderKeyRotation(chain, NOW + SENDER_KEY_MAX_AGE_MS)).toBe(true)
      expect(toHex(encodeSenderKeyRecord(decodeSenderKeyRecord(encodeSenderKeyRecord(record))))).toBe(toHex(encodeSenderKeyRecord(record)))
    })
  })
}

describe('sender keys: both backends produce identical bytes', () => {
  it('same seed → same chain and same message', async () => {
    const outs: string[] = []
    for (const backend of seededBackends('sender-keys-vector')) {
      const chain = await createSenderChain(backend, NOW)
      const { message } = await senderKeyEncrypt(backend, groupId, chain, utf8('vector'), ad)
      outs.push(toHex(message))
    }
    expect(outs[0]).toBe(outs[1])
  })
})
