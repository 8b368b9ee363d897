/**
 * Sender keys for groups (after Signal's SenderKey; docs/PROTOCOL.md §12.2): each member device
 * has a sending chain (a 32-byte chain key and an Ed25519 signing key), handed to every other
 * member device over the pairwise sessions. A group message is encrypted once under the next
 * message key of the sender's chain and signed with its signing key. Pure functions over
 * serialisable state: every call returns the new state, the old one is never changed, so a
 * failed decrypt leaves nothing behind.
 *
 * KDF: message key seed = HMAC(chain key, 0x01), next chain key = HMAC(chain key, 0x02);
 * AEAD key ‖ nonce = HKDF(seed, 32 zero bytes, INFO_SENDER_KEY, 44); ChaCha20-Poly1305 with
 * the caller's associated data (the group id and the sender device).
 *
 * No post-compromise security inside one chain: whoever learns a chain key can read every
 * later message of it until the sender rotates (on every removal or device change, and every
 * 7 days or 1,000 messages: {@link needsSenderKeyRotation}).
 */
import { concatBytes, utf8 } from '../bytes.js'
import { SenderChainState, SenderKeyDistribution, SenderKeyMessage, SenderKeyRecord } from '../wire/groups.js'
import { generateEd25519KeyPair, type CryptoBackend } from './backend.js'
import { DecryptError, InvalidKeyError, InvalidSignatureError, MalformedMessageError, MessageTooLargeError, ReplayError, TooManySkippedError, UnsupportedVersionError } from './errors.js'
import { UnknownSenderChainError } from './sender-key-errors.js'
import {
  INFO_SENDER_KEY, MAX_SENDER_CHAINS, MAX_SENDER_FORWARD_JUMP, MAX_SENDER_KEY_MESSAGE_BYTES, MAX_SENDER_SKIPPED_KEYS, SENDER_KEY_MAX_AGE_MS,
  SENDER_KEY_MAX_MESSAGES, SENDER_KEY_SIGNATURE_LABEL, SENDER_KEY_VERSION
} from './sender-key-constants.js'

export { SenderChainState, SenderKeyDistribution, SenderKeyMessage, SenderKeyRecord }
export * from './sender-key-constants.js'
export { UnknownSenderChainError } from './sender-key-errors.js'

const SEED = Uint8Array.of(0x01)
const NEXT = Uint8Array.of(0x02)
const SALT = new Uint8Array(32)
const LABEL = utf8(SENDER_KEY_SIGNATURE_LABEL)

/** A fresh sending chain of this device (random chain id, chain key and signing key). */
export async function createSenderChain (backend: CryptoBackend, now: number): Promise<SenderChainState> {
  const signing = await generateEd25519KeyPair(backend)
  const id = backend.randomBytes(4)
  return {
    chainId: new DataView(id.buffer, id.byteOffset, 4).getUint32(0),
    iteration: 0,
    chainKey: backend.randomBytes(32),
    signingPublic: signing.publicKey,
    signingPrivate: signing.privateKey,
    createdAt: BigInt(now),
    skipped: []
  }
}

/** Whether a sending chain is due for rotation by age or use (removals and device changes rotate besides). */
export function needsSenderKeyRotation (chain: SenderChainState, now: number): boolean {
  return chain.iteration >= SENDER_KEY_MAX_MESSAGES || now - Number(chain.createdAt) >= SENDER_KEY_MAX_AGE_MS
}

/** What another member device needs to read this chain from its current iteration on (no private key). */
export function senderKeyDistribution (groupId: Uint8Array, chain: SenderChainState): SenderKeyDistribution {
  return { version: SENDER_KEY_VERSION, groupId, chainId: chain.chainId, iteration: chain.iteration, chainKey: chain.chainKey, signingKey: chain.signingPublic }
}

/**
 * Adds a received chain to a sender's record (newest first, at most {@link MAX_SENDER_CHAINS}:
 * the oldest is forgotten). A chain id already held is kept as it is (a replayed distribution
 * cannot rewind it).
 */
export function addSenderChain (record: SenderKeyRecord, distribution: SenderKeyDistribution): SenderKeyRecord {
  if (distribution.version !== SENDER_KEY_VERSION) throw new UnsupportedVersionError(`Sender key version ${distribution.version}`)
  if (distribution.chainKey.length !== 32 || distribution.signingKey.length !== 32) throw new InvalidKeyError('Sender key distribution keys must be 32 bytes')
  if (record.chains.some((c) => c.chainId === distribution.chainId)) return record
  const chain: SenderChainState = {
    chainId: distribution.chainId,
    iteration: distribution.iteration,
    chainKey: distribution.chainKey,
    signingPublic: distribution.signingKey,
    signingPrivate: new Uint8Array(0),
    createdAt: 0n,
    skipped: []
  }
  return { chains: [chain, ...record.chains].slice(0, MAX_SENDER_CHAINS) }
}

interface MessageKeys { key: Uint8Array, nonce: Uint8Array }

async function step (backend: CryptoBackend, chainKey: Uint8Array): Promise<{ seed: Uint8Array, next: Uint8Array }> {
  const [seed, next] = await Promise.all([backend.hmacSha256(chainKey, SEED), backend.hmacSha256(chainKey, NEXT)])
  return { seed, next }
}

async function messageKeys (backend: CryptoBackend, seed: Uint8Array): Promise<MessageKeys> {
  const okm = await backend.hkdfSha256(seed, SALT, utf8(INFO_SENDER_KEY), 44)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}

function signedPart (message: SenderKeyMessage): Uint8Array {
  return concatBytes(LABEL, SenderKeyMessage.encode({ ...message, signature: new Uint8Array(0) }))
}

/**
 * Encrypts `plaintext` once for the whole group under the next message key of `chain`, signed.
 * Returns the SenderKeyMessage bytes and the advanced chain (store it before sending).
 */
export async function senderKeyEncrypt (backend: CryptoBackend, groupId: Uint8Array, chain: SenderChainState, plaintext: Uint8Array, ad: Uint8Array): Promise<{ message: Uint8Array, chain: SenderChainState }> {
  if (chain.signingPrivate.length !== 32) throw new InvalidKeyError('Not a sending chain')
  const { seed, next } = await step(backend, chain.chainKey)
  const { key, nonce } = await messageKeys(backend, seed)
  const unsigned: SenderKeyMessage = {
    version: SENDER_KEY_VERSION,
    groupId,
    chainId: chain.chainId,
    iteration: chain.iteration,
    ciphertext: await backend.aeadSeal(key, nonce, plaintext, concatBytes(groupId, ad)),
    signature: new Uint8Array(0)
  }
  const signature = await backend.ed25519Sign(chain.signingPrivate, signedPart(unsigned))
  const message = SenderKeyMessage.encode({ ...unsigned, signature })
  if (message.length > MAX_SENDER_KEY_MESSAGE_BYTES) throw new MessageTooLargeError(`Group message of ${message.length} bytes exceeds ${MAX_SENDER_KEY_MESSAGE_BYTES}`)
  return { message, chain: { ...chain, iteration: chain.iteration + 1, chainKey: next } }
}

/** The header of a SenderKeyMessage (size-checked, decoded), before any crypto. */
export function decodeSenderKeyMessage (bytes: Uint8Array): SenderKeyMessage {
  if (bytes.length > MAX_SENDER_KEY_MESSAGE_BYTES) throw new MessageTooLargeError(`Group message of ${bytes.length} bytes exceeds ${MAX_SENDER_KEY_MESSAGE_BYTES}`)
  let message: SenderKeyMessage
  try {
    message = SenderKeyMessage.decode(bytes)
  } catch (err) {
    throw new MalformedMessageError('Undecodable group message', { cause: err })
  }
  if (message.version !== SENDER_KEY_VERSION) throw new UnsupportedVersionError(`Sender key version ${message.version}`)
  if (message.signature.length !== 64) throw new MalformedMessageError('Group message signature must be 64 bytes')
  return message
}

/**
 * Decrypts one group message of the sender whose chains `record` holds. Checks, in order: size
 * and shape, the group id, a known chain (`UnknownSenderChainError`), the chain's signature
 * (`InvalidSignatureError`), then the iteration: an old one needs its skipped key (else
 * `ReplayError`), a new one may jump at most {@link MAX_SENDER_FORWARD_JUMP} ahead
 * (`TooManySkippedError`); the AEAD (`DecryptError`). Returns the plaintext and the new record.
 */
export async function senderKeyDecrypt (backend: CryptoBackend, groupId: Uint8Array, record: SenderKeyRecord, bytes: Uint8Array, ad: Uint8Array): Promise<{ plaintext: Uint8Array, record: SenderKeyRecord }> {
  const message = decodeSenderKeyMessage(bytes)
  if (!equal(message.groupId, groupId)) throw new DecryptError('Group message of another group')
  const index = record.chains.findIndex((c) => c.chainId === message.chainId)
  if (index < 0) throw new UnknownSenderChainError()
  const chain = record.chains[index]
  if (!await backend.ed25519Verify(chain.signingPublic, signedPart(message), message.signature)) throw new InvalidSignatureError('Group message signature does not verify')
  let updated: SenderChainState
  let seed: Uint8Array
  if (message.iteration < chain.iteration) {
    const skipped = chain.skipped.find((s) => s.iteration === message.iteration)
    if (skipped == null) throw new ReplayError()
    seed = skipped.messageKey
    updated = { ...chain, skipped: chain.skipped.filter((s) => s !== skipped) }
  } else {
    const jump = message.iteration - chain.iteration
    if (jump > MAX_SENDER_FORWARD_JUMP) throw new TooManySkippedError(`Group message ${jump} iterations ahead (at most ${MAX_SENDER_FORWARD_JUMP})`)
    let chainKey = chain.chainKey
    const skipped = [...chain.skipped]
    for (let i = chain.iteration; i < message.iteration; i++) {
      const s = await step(backend, chainKey)
      skipped.push({ iteration: i, messageKey: s.seed })
      chainKey = s.next
    }
    const s = await step(backend, chainKey)
    seed = s.seed
    updated = { ...chain, iteration: message.iteration + 1, chainKey: s.next, skipped: skipped.slice(-MAX_SENDER_SKIPPED_KEYS) }
  }
  const { key, nonce } = await messageKeys(backend, seed)
  const plaintext = await backend.aeadOpen(key, nonce, message.ciphertext, concatBytes(groupId, ad))
  const chains = [...record.chains]
  chains[index] = updated
  return { plaintext, record: { chains } }
}

/** Encoded state for the store (and its decoder, bounded). */
export function encodeSenderKeyRecord (record: SenderKeyRecord): Uint8Array { return SenderKeyRecord.encode(record) }
export function decodeSenderKeyRecord (bytes: Uint8Array): SenderKeyRecord {
  try {
    return SenderKeyRecord.decode(bytes, { limits: { chains: MAX_SENDER_CHAINS, chains$: { skipped: MAX_SENDER_SKIPPED_KEYS } } })
  } catch (err) {
    throw new MalformedMessageError('Undecodable sender key record', { cause: err })
  }
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
