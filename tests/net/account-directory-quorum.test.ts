/**
 * quorumLookup over a scripted kad-dht event stream (the events a real query yields, in the
 * order a test needs): where it stops, what it skips, which record it picks. The real DHT path
 * is covered by tests/node/network.test.ts and the node bench suite.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { accountDhtKey, signAccountRecord, signDeviceEntry, verifyAccountRecord } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519, signingKeyPairFromSeed } from '../../src/identity/keys.js'
import { quorumLookup, type DhtQuery } from '../../src/net/account-directory-quorum.js'

const { account } = generateAccountKeys()
const key = accountDhtKey(account.publicKey)
const other = generateAccountKeys().account

function record (sequence: bigint, signer = account): Uint8Array {
  const device = generateDeviceKeys()
  const entry = signDeviceEntry(signer.publicKey, {
    peerId: peerIdBytesFromEd25519(signingKeyPairFromSeed(device.libp2pSeed).publicKey),
    deviceKey: device.device.publicKey,
    identityDhKey: device.identityDh.publicKey,
    addedAt: 0n
  }, device.device)
  const now = BigInt(Date.now())
  return signAccountRecord({ version: 1, accountKey: signer.publicKey, sequence, issuedAt: now, expiresAt: now + 86_400_000n, inactivityDays: 90, devices: [entry], relays: [], deleted: false }, signer)
}

async function peer (): Promise<PeerId> { return peerIdFromPrivateKey(await generateKeyPair('Ed25519')) }

function response (from: PeerId, value: Uint8Array | undefined): QueryEvent {
  return { name: 'PEER_RESPONSE', type: 1, from, messageType: 1, closer: [], providers: [], ...(value != null ? { record: { key, value, timeReceived: new Date() } } : {}), path: { index: 0, queued: 0, running: 0, total: 0 } } as unknown as QueryEvent
}

/** A query that yields `events`, then (when `hang`) waits for its signal; records how far it was read. */
function scripted (events: QueryEvent[], hang = true): { query: DhtQuery, read: () => number, returned: () => boolean } {
  let read = 0
  let returned = false
  const query: DhtQuery = async function * (_key, options) {
    try {
      for (const e of events) { read++; yield e }
      if (hang) {
        await new Promise((_resolve, reject) => {
          if (options?.signal?.aborted === true) { reject(options.signal.reason); return }
          options?.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
        })
      }
    } finally { returned = true }
  }
  return { query, read: () => read, returned: () => returned }
}

const sequenceOf = (bytes: Uint8Array): bigint => verifyAccountRecord(bytes).body.sequence

describe('quorumLookup', () => {
  it('stops the query at the quorum (three peers) and returns the highest of their records', async () => {
    const [a, b, c, d] = await Promise.all([peer(), peer(), peer(), peer()])
    const s = scripted([response(a, record(2n)), response(b, undefined), response(c, record(5n)), response(d, record(3n)), response(a, record(9n))])
    const bytes = await quorumLookup(s.query, account.publicKey, key, { quorum: 3, graceMs: 60_000 })
    expect(sequenceOf(bytes)).toBe(5n)
    expect(s.read()).toBe(4) // the fifth event was never read
    expect(s.returned()).toBe(true) // and the query was ended
  })

  it('skips records that do not verify for the account, and a second record from the same peer', async () => {
    const [a, b, c] = await Promise.all([peer(), peer(), peer()])
    const s = scripted([response(a, record(1n)), response(a, record(8n)), response(b, record(7n, other)), response(b, new Uint8Array([1, 2, 3])), response(c, record(4n))], false)
    const bytes = await quorumLookup(s.query, account.publicKey, key, { quorum: 3, graceMs: 60_000 })
    expect(sequenceOf(bytes)).toBe(4n) // a's second (8) and b's (another account's, garbage) do not count
  })

  it('answers with what it has when the grace period after the first record ends', async () => {
    const [a, b] = await Promise.all([peer(), peer()])
    const s = scripted([response(a, record(2n)), response(b, record(6n))])
    const bytes = await quorumLookup(s.query, account.publicKey, key, { quorum: 3, graceMs: 20 })
    expect(sequenceOf(bytes)).toBe(6n)
    expect(s.returned()).toBe(true)
  })

  it('throws AccountNotFoundError when the query ends without a valid record', async () => {
    const [a, b] = await Promise.all([peer(), peer()])
    const s = scripted([response(a, undefined), response(b, record(3n, other))], false)
    await expect(quorumLookup(s.query, account.publicKey, key, { quorum: 3, graceMs: 20 })).rejects.toMatchObject({ code: 'ERR_ACCOUNT_NOT_FOUND' })
  })

  it('a caller abort fails the lookup, even with records found', async () => {
    const a = await peer()
    const s = scripted([response(a, record(2n))])
    const controller = new AbortController()
    const lookup = quorumLookup(s.query, account.publicKey, key, { quorum: 3, graceMs: 60_000 }, { signal: controller.signal })
    controller.abort(new Error('caller gave up'))
    await expect(lookup).rejects.toThrow('caller gave up')
  })
})
