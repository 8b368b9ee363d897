import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { decodeSessionState, ReplayError, type SessionState } from '../../src/crypto/index.js'
import { deviceSessionKeys } from '../../src/device/session-keys.js'
import type { DeviceEntry } from '../../src/identity/account-record.js'
import { E2ESessions } from '../../src/messenger/sessions/e2e-sessions.js'
import { SessionResetNeededError } from '../../src/messenger/errors.js'
import { openHomeNode } from '../../src/node/home.js'
import type { ParleyNode } from '../../src/node/parley-node.js'
import { MAX_ARCHIVED_SESSIONS } from '../../src/store/session-repo.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'

/** One device's side: its node (keys, store) and its sessions, with helpers that commit like the messenger does. */
class Side {
  readonly sessions: E2ESessions
  constructor (readonly node: ParleyNode) {
    this.sessions = new E2ESessions(node.store, node.backend, deviceSessionKeys(node.identity, node.prekeys, node.backend))
  }

  get device (): DeviceEntry {
    const entry = this.node.ownRecordBody()?.devices[0]
    if (entry == null) throw new Error('no own record')
    return entry
  }

  async seal (to: Side, text: string): Promise<Uint8Array> {
    const sealed = await this.sessions.seal(to.device, new TextEncoder().encode(text))
    await this.node.store.transaction(async (tx) => { await sealed.commit(tx) })
    return sealed.payload
  }

  async open (payload: Uint8Array): Promise<string> {
    const opened = await this.sessions.open(payload)
    await this.node.store.transaction(async (tx) => { await opened.commit(tx) })
    return new TextDecoder().decode(opened.plaintext)
  }

  async current (other: Side): Promise<SessionState> {
    const bytes = await this.node.store.sessions.get(toHex(this.node.deviceKey), toHex(other.node.deviceKey))
    if (bytes == null) throw new Error('no current session')
    return decodeSessionState(bytes)
  }

  async archivedWith (other: Side): Promise<number> {
    return (await this.node.store.sessions.archived(toHex(this.node.deviceKey), toHex(other.node.deviceKey))).length
  }
}

describe('archived sessions: messages in flight on a replaced session still open', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let alice: Side
  let bob: Side

  beforeAll(async () => {
    dir = await tempDir('parley-archived-')
    const open = async (name: string): Promise<Side> => {
      const node = await openHomeNode({ home: join(dir.path, name), passphrase: PASSPHRASE, create: true, kdf: TEST_KDF, listen: LOOPBACK_LISTEN })
      await node.signAccountRecord() // the device entry (with its prekeys) the other side seals to
      return new Side(node)
    }
    alice = await open('alice')
    bob = await open('bob')
  })

  afterAll(async () => {
    await alice?.node.stop()
    await bob?.node.stop()
    await dir?.cleanup()
  })

  it('both sides start a session at once: each keeps the one it replaced, the conversation goes on both ways and they converge on one session', async () => {
    // both handshakes leave before either side hears from the other
    const fromAlice1 = await alice.seal(bob, 'alice 1')
    const fromAlice2 = await alice.seal(bob, 'alice 2')
    const fromBob1 = await bob.seal(alice, 'bob 1')
    expect(await bob.open(fromAlice1)).toBe('alice 1') // bob's own session is replaced by alice's, and archived
    expect(await alice.open(fromBob1)).toBe('bob 1') // and the other way round
    expect(await bob.archivedWith(alice)).toBe(1)
    expect(await alice.archivedWith(bob)).toBe(1)
    // each now sends on the session it accepted: the other side opens it from its archive
    expect(await bob.open(await alice.seal(bob, 'alice 3'))).toBe('alice 3')
    expect(await alice.open(await bob.seal(alice, 'bob 2'))).toBe('bob 2')
    // a late message of alice's own handshake still opens
    expect(await bob.open(fromAlice2)).toBe('alice 2')
    const ratchetKeys = new Set<string>()
    for (let round = 0; round < 5; round++) {
      expect(await bob.open(await alice.seal(bob, `a${round}`))).toBe(`a${round}`)
      expect(await alice.open(await bob.seal(alice, `b${round}`))).toBe(`b${round}`)
      ratchetKeys.add(toHex((await alice.current(bob)).ratchetKeyPair.publicKey))
    }
    // one session on both sides, and it ratchets (a new DH key each round trip)
    expect(toHex((await alice.current(bob)).baseKey)).toBe(toHex((await bob.current(alice)).baseKey))
    expect(ratchetKeys.size).toBe(5)
  })

  it('a message opened from the archive cannot be opened again', async () => {
    const payload = await alice.seal(bob, 'once')
    expect(await bob.open(payload)).toBe('once')
    await expect(bob.open(payload)).rejects.toBeInstanceOf(ReplayError)
  })

  it('after a reset, a message sent before it still opens; the archive keeps at most a bound', async () => {
    const inFlight = await alice.seal(bob, 'sent before the reset')
    await bob.sessions.reset(alice.node.deviceKey)
    expect(await bob.node.store.sessions.get(toHex(bob.node.deviceKey), toHex(alice.node.deviceKey))).toBeUndefined()
    expect(await bob.open(inFlight)).toBe('sent before the reset')
    for (let i = 0; i < MAX_ARCHIVED_SESSIONS + 2; i++) {
      // a new handshake each time, answered, then ended
      await bob.sessions.reset(alice.node.deviceKey)
      expect(await alice.open(await bob.seal(alice, `reset ${i}`))).toBe(`reset ${i}`)
      expect(await bob.open(await alice.seal(bob, `answer ${i}`))).toBe(`answer ${i}`)
    }
    expect(await bob.archivedWith(alice)).toBe(MAX_ARCHIVED_SESSIONS)
    expect(await alice.archivedWith(bob)).toBe(MAX_ARCHIVED_SESSIONS)
  })

  it('a reset keeps a handshake that is still unanswered (its prekey message starts it on the other side)', async () => {
    await bob.sessions.reset(alice.node.deviceKey)
    expect(await alice.open(await bob.seal(alice, 'new handshake'))).toBe('new handshake')
    const pendingBaseKey = toHex((await bob.current(alice)).baseKey)
    // a stale failure of an older envelope asks for another reset: the unanswered session stays
    await bob.sessions.reset(alice.node.deviceKey)
    expect(toHex((await bob.current(alice)).baseKey)).toBe(pendingBaseKey)
    expect(await alice.open(await bob.seal(alice, 'still the same handshake'))).toBe('still the same handshake')
    expect(await bob.open(await alice.seal(bob, 'answered'))).toBe('answered')
  })

  it('the sealed box peeked at is not opened again: open() takes what peekSender() returned for the payload', async () => {
    const keys = deviceSessionKeys(bob.node.identity, bob.node.prekeys, bob.node.backend)
    let boxesOpened = 0
    const counting = { ...keys, open: async (sealed: Uint8Array) => { boxesOpened++; return await keys.open(sealed) } }
    Object.defineProperties(counting, { accountKey: { get: () => keys.accountKey }, deviceKey: { get: () => keys.deviceKey } })
    const sessions = new E2ESessions(bob.node.store, bob.node.backend, counting)
    const payload = await alice.seal(bob, 'opened once')
    const unsealed = await sessions.peekSender(payload)
    expect(toHex(unsealed.sender.deviceKey)).toBe(toHex(alice.node.deviceKey))
    const opened = await sessions.open(payload, unsealed)
    await bob.node.store.transaction(async (tx) => { await opened.commit(tx) })
    expect(new TextDecoder().decode(opened.plaintext)).toBe('opened once')
    expect(boxesOpened).toBe(1)
    // without it, open() opens the box itself
    const opened2 = await sessions.open(await alice.seal(bob, 'opened alone'))
    await bob.node.store.transaction(async (tx) => { await opened2.commit(tx) })
    expect(new TextDecoder().decode(opened2.plaintext)).toBe('opened alone')
    expect(boxesOpened).toBe(2)
  })

  it('a session lost for good (current gone, archive unreadable) still asks for a reset', async () => {
    await bob.node.store.sessions.delete(toHex(bob.node.deviceKey), toHex(alice.node.deviceKey))
    await bob.node.store.sessions.putArchived(toHex(bob.node.deviceKey), toHex(alice.node.deviceKey), [new Uint8Array([1, 2, 3]), new Uint8Array(0)])
    const payload = await alice.seal(bob, 'into the void')
    await expect(bob.open(payload)).rejects.toBeInstanceOf(SessionResetNeededError)
  })
})
