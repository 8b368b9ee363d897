import { toHex } from '../../../src/bytes.js'
import { nobleBackend, type Signer } from '../../../src/crypto/index.js'
import { GroupLog, type GroupLogInit, type OpAuthor } from '../../../src/messenger/groups/membership/index.js'

/** A test account with one device: its account key and a signer over its device key. */
export interface Actor extends OpAuthor {
  name: string
  hex: string
}

export function actor (name: string, seedByte: number): Actor {
  const accountKey = new Uint8Array(32).fill(seedByte)
  const seed = new Uint8Array(32).fill(seedByte + 100)
  let publicKey: Uint8Array = new Uint8Array(0)
  const signer: Signer = {
    get publicKey () { return publicKey },
    sign: async (message) => nobleBackend.ed25519Sign(seed, message)
  }
  const a: Actor = { name, hex: toHex(accountKey), accountKey, signer, now: 1_700_000_000_000 }
  return Object.assign(a, { ready: nobleBackend.ed25519PublicKey(seed).then((k) => { publicKey = k }) })
}

/** Actors whose device keys are known; the device check accepts only their own devices. */
export async function actors (count: number): Promise<{ list: Actor[], init: GroupLogInit }> {
  const list = Array.from({ length: count }, (_, i) => actor(`a${i}`, i + 1))
  await Promise.all(list.map(async (a) => (a as Actor & { ready: Promise<void> }).ready))
  const devices = new Map(list.map((a) => [a.hex, toHex(a.signer.publicKey)]))
  return {
    list,
    init: {
      backend: nobleBackend,
      isDeviceOf: async (author, device) => devices.get(toHex(author)) === toHex(device)
    }
  }
}

/** A comparable picture of a log's state. */
export function picture (log: GroupLog): { name: string, members: Array<[string, string]>, timerMs: number } {
  const s = log.state
  return { name: s.name, members: [...s.members.entries()].sort(), timerMs: s.timerMs }
}
