import { streamPair } from '@libp2p/utils'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { DeviceLinkServer, type LinkConfirmation } from '../../src/device/device-link.js'
import type { HistoryOutcome } from '../../src/device/link-history.js'
import { signDeviceEntry } from '../../src/identity/account-record.js'
import { FrameReader, encodeFrame } from '../../src/net/stream/frame-reader.js'
import { DeviceEntry } from '../../src/wire/parley.js'
import { LinkRequest, LinkResponse } from '../../src/wire/link.js'

/**
 * `/parley/link/2.0.0` on a relay's limited connection (issue #19), on the existing device's
 * side, over a real libp2p stream pair: a new device that asks for its history on the link
 * stream anyway (an older one, or one that did not notice the limits) gets none there — the
 * request is treated as `history_via_relay`, the user is told so, and the transfer is handed to
 * the relays; on an unlimited connection the same request gets it on the stream.
 */
async function linkOnce (limited: boolean): Promise<{ asked: LinkConfirmation | undefined, sourceCalls: number, ended: HistoryOutcome | undefined, response: LinkResponse }> {
  const accountSecret = ed25519.utils.randomSecretKey()
  const accountKey = ed25519.getPublicKey(accountSecret)
  let asked: LinkConfirmation | undefined
  let sourceCalls = 0
  let ended: HistoryOutcome | undefined
  const server = new DeviceLinkServer({
    accountKey,
    accountSecret: () => accountSecret,
    addDevice: async () => Uint8Array.of(1, 2, 3),
    peerId: randomBytes(34),
    confirm: async (request) => { asked = request; return true },
    history: () => () => { sourceCalls++; return (async function * () { yield Uint8Array.of(0x28, 0x01) })() },
    historyHandlers: () => ({ owed: async () => {}, acked: () => {}, ended: (_key, _since, outcome) => { ended = outcome } })
  })
  const secret = server.issue()
  const deviceSecret = ed25519.utils.randomSecretKey()
  const prekey = { id: 1, publicKey: randomBytes(32), signature: randomBytes(64), createdAt: 1n }
  const entry = DeviceEntry.encode(signDeviceEntry(accountKey, {
    peerId: randomBytes(34), deviceKey: ed25519.getPublicKey(deviceSecret), identityDhKey: randomBytes(32), signedPrekey: prekey, pqPrekey: prekey, addedAt: 1n
  }, { secretKey: deviceSecret, publicKey: ed25519.getPublicKey(deviceSecret) }))
  const mac = hmac(sha256, secret, new Uint8Array([...new TextEncoder().encode('parley/link/v1'), ...entry]))
  const [existing, newDevice] = await streamPair()
  const handled = server.handle(existing, { limited })
  // asks for all history on the link stream (history_via_relay not set)
  newDevice.send(encodeFrame(LinkRequest.encode({ deviceEntry: entry, mac, historyDays: 0, historyAll: true, historyViaRelay: false })))
  const reader = new FrameReader(newDevice, { maxFrameBytes: 64 * 1024 })
  const first = await reader.next({ signal: AbortSignal.timeout(30_000) })
  if (first == null) throw new Error('no response')
  const response = LinkResponse.decode(first)
  if (limited) {
    await handled
  } else {
    // a history frame follows on the stream: ack it, so that the transfer completes
    await reader.next({ signal: AbortSignal.timeout(30_000) })
    const ackFrame = new Uint8Array(4)
    new DataView(ackFrame.buffer).setUint32(0, 1)
    newDevice.send(encodeFrame(ackFrame))
    await handled
  }
  return { asked, sourceCalls, ended, response }
}

describe('device link on a relay\'s limited connection: no history on it', () => {
  it('a request for direct history on a limited connection is linked, told as `relay`, and handed to the relays', async () => {
    const { asked, sourceCalls, ended, response } = await linkOnce(true)
    expect(response.code).toBe('')
    expect(asked?.history).toBe('relay')
    expect(sourceCalls).toBe(0)
    expect(ended).toMatchObject({ sent: 0, acked: 0, complete: false })
  })

  it('the same request on an unlimited connection gets its history on the link stream', async () => {
    const { asked, sourceCalls, ended, response } = await linkOnce(false)
    expect(response.code).toBe('')
    expect(asked?.history).toBe('direct')
    expect(sourceCalls).toBe(1)
    expect(ended).toMatchObject({ sent: 1, acked: 1, complete: true })
  })
})
