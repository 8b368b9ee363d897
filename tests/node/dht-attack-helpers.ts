import { Libp2pRecord } from '@libp2p/record'
import { lpStream } from '@libp2p/utils'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from '@noble/hashes/utils.js'
import { ACCOUNT_RECORD_VERSION, accountDhtKey, signAccountRecord } from '../../src/identity/account-record.js'
import { generateAccountKeys } from '../../src/identity/keys.js'
import { DHT_PROTOCOL } from '../../src/p2p/index.js'

/** kad-dht's PUT_VALUE message (type 0, key = 2, record = 3), encoded by hand: its codec is not exported. */
function putValueMessage (key: Uint8Array, record: Uint8Array): Uint8Array {
  const field = (tag: number, bytes: Uint8Array): Uint8Array => {
    const length: number[] = []
    for (let n = bytes.length; ; n >>>= 7) {
      if (n < 0x80) { length.push(n); break }
      length.push((n & 0x7f) | 0x80)
    }
    return Uint8Array.from([tag, ...length, ...bytes])
  }
  const parts = [Uint8Array.of(0x08, 0x00), field(0x12, key), field(0x1a, record)]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/**
 * Sends one raw PUT_VALUE straight to `target` (no routing) and reports whether it was stored:
 * the server echoes the message when it stores it and aborts the stream when it refuses.
 */
export async function rawPut (client: Libp2p, target: Multiaddr, key: Uint8Array, value: Uint8Array): Promise<boolean> {
  const signal = AbortSignal.timeout(10_000)
  const stream = await client.dialProtocol(target, DHT_PROTOCOL, { signal })
  const lp = lpStream(stream)
  try {
    await lp.write(putValueMessage(key, new Libp2pRecord(key, value, new Date()).serialize()), { signal })
    await lp.read({ signal })
    await stream.close({ signal })
    return true
  } catch {
    stream.abort(new Error('refused'))
    return false
  }
}

/**
 * A valid, freshly signed account record of a throwaway account, padded with relay addresses
 * (which the validator does not parse) to about `bytes`.
 */
export function floodRecord (bytes: number, lifetimeMs = 86_400_000): { key: Uint8Array, value: Uint8Array } {
  const { account } = generateAccountKeys()
  const now = Date.now()
  const addrs = Math.max(1, Math.ceil(bytes / 8 / 200))
  const relays = Array.from({ length: 8 }, () => ({ peerId: randomBytes(38), multiaddrs: Array.from({ length: Math.min(16, addrs) }, () => randomBytes(190)) }))
  const value = signAccountRecord({
    version: ACCOUNT_RECORD_VERSION,
    accountKey: account.publicKey,
    sequence: BigInt(now),
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + lifetimeMs),
    inactivityDays: 30,
    devices: [],
    relays,
    deleted: false,
    removedDevices: []
  }, account)
  return { key: accountDhtKey(account.publicKey), value }
}
