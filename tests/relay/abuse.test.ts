import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeFrame } from '../../src/net/stream/frame-reader.js'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { signMailboxChallenge } from '../../src/net/mailbox-codec.js'
import { MailboxRefusedError } from '../../src/net/mailbox-errors.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { hex, makeEnvelope, makeOwner, RawMailboxStream, startClient, startTestRelay } from './helpers.js'

function gauge (relay: Relay, name: string): number {
  const line = relay.metrics.render().split('\n').find((l) => l.startsWith(name + ' '))
  return Number(line?.split(' ')[1])
}

async function refusal (promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(MailboxRefusedError)
    return (err as MailboxRefusedError).code
  }
  throw new Error('expected a refusal')
}

describe('relay under abuse keeps serving honest clients', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const clients: Libp2p[] = []
  const honestOwner = makeOwner()

  const client = async (): Promise<Libp2p> => {
    const c = await startClient()
    clients.push(c)
    return c
  }

  /** An honest sender and owner round trip, from fresh peers. */
  const honestRoundTrip = async (): Promise<void> => {
    const sender = new MailboxClient(await client())
    const owner = new MailboxClient(await client())
    const envelope = makeEnvelope(honestOwner.deviceKey)
    expect((await sender.deposit(relay.multiaddrs[0], envelope)).duplicate).toBe(false)
    const page = await owner.fetch(relay.multiaddrs[0], honestOwner)
    expect(page.envelopes.map((e) => hex(e.id))).toContain(hex(envelope.id))
    await owner.ack(relay.multiaddrs[0], honestOwner, page.envelopes.map((e) => e.id))
    await sender.stop()
    await owner.stop()
  }

  beforeAll(async () => {
    dir = await tempDir('parley-relay-abuse-')
    relay = await startTestRelay(dir.path, {
      limits: {
        maxEnvelopeBytes: 4096,
        mailboxMaxEnvelopes: 5,
        mailboxMaxBytes: 64 * 1024,
        depositRate: { perSecond: 20, burst: 40 },
        frameTimeoutMs: 300,
        idleTimeoutMs: 5000,
        // the fuzz streams send only refused requests, which do not keep an unauthenticated stream
        // open (stream-slots.test.ts); here they must last the whole run, however slow the machine
        unauthenticatedIdleTimeoutMs: 120_000
      }
    })
  })

  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.stop()))
    await relay?.stop()
    await dir?.cleanup()
  })

  it('refuses to let one owner fetch, ack or subscribe to someone else\'s mailbox', async () => {
    const victim = makeOwner()
    const attacker = makeOwner()
    const sender = new MailboxClient(await client())
    await sender.deposit(relay.multiaddrs[0], makeEnvelope(victim.deviceKey))
    const raw = await RawMailboxStream.open(await client(), relay)

    // no auth at all
    expect((await raw.request({ fetch: { limit: 10, cursor: new Uint8Array(0) } })).errorCode).toBe('ERR_AUTH_REQUIRED')
    expect((await raw.request({ ack: { ids: [randomBytes(16)] } })).errorCode).toBe('ERR_AUTH_REQUIRED')
    expect((await raw.request({ subscribe: {} })).errorCode).toBe('ERR_AUTH_REQUIRED')

    // the attacker signs with its own key but claims the victim's device key
    let { challenge } = await raw.request({ getChallenge: {} })
    const forged = signMailboxChallenge(challenge!, attacker.device, victim.accountRecord)
    expect((await raw.request({ authenticate: { ...forged, deviceKey: victim.deviceKey } })).errorCode).toBe('ERR_AUTH_FAILED')

    // the attacker's own key with the victim's record: the record does not list that device
    challenge = (await raw.request({ getChallenge: {} })).challenge
    expect((await raw.request({ authenticate: signMailboxChallenge(challenge!, attacker.device, victim.accountRecord) })).errorCode).toBe('ERR_DEVICE_NOT_IN_RECORD')

    // the attacker authenticates as itself: it sees only its own (empty) mailbox
    const attackerClient = new MailboxClient(await client())
    expect((await attackerClient.fetch(relay.multiaddrs[0], attacker)).envelopes).toHaveLength(0)

    // first auth without any record is refused
    challenge = (await raw.request({ getChallenge: {} })).challenge
    expect((await raw.request({ authenticate: signMailboxChallenge(challenge!, makeOwner().device) })).errorCode).toBe('ERR_ACCOUNT_RECORD_REQUIRED')

    // the victim still gets its envelope
    const victimClient = new MailboxClient(await client())
    expect((await victimClient.fetch(relay.multiaddrs[0], victim)).envelopes).toHaveLength(1)
    for (const c of [sender, attackerClient, victimClient]) await c.stop()
    await honestRoundTrip()
  })

  it('refuses a replayed auth proof, on the same or another stream', async () => {
    const alice = makeOwner()
    const first = await RawMailboxStream.open(await client(), relay)
    const { challenge } = await first.request({ getChallenge: {} })
    const proof = signMailboxChallenge(challenge!, alice.device, alice.accountRecord)
    const ok = await first.request({ authenticate: proof })
    expect(ok.errorCode).toBe('')
    expect(ok.authenticated).toBeDefined()

    // same stream, fresh challenge, old proof
    await first.request({ getChallenge: {} })
    expect((await first.request({ authenticate: proof })).errorCode).toBe('ERR_AUTH_REPLAY')

    // another peer replays the captured proof, with and without asking for a challenge
    const thief = await RawMailboxStream.open(await client(), relay)
    expect((await thief.request({ authenticate: proof })).errorCode).toBe('ERR_AUTH_REPLAY')
    await thief.request({ getChallenge: {} })
    expect((await thief.request({ authenticate: proof })).errorCode).toBe('ERR_AUTH_REPLAY')
    expect((await thief.request({ fetch: { limit: 1, cursor: new Uint8Array(0) } })).errorCode).toBe('ERR_AUTH_REQUIRED')

    // a proof for a challenge never issued (made-up nonce) fails too
    const madeUp = signMailboxChallenge({ nonce: randomBytes(32), relayPeerId: relay.peerId.toMultihash().bytes, timestamp: BigInt(Date.now()) }, alice.device, alice.accountRecord)
    expect((await thief.request({ authenticate: madeUp })).errorCode).toBe('ERR_AUTH_FAILED')
    await honestRoundTrip()
  })

  it('refuses oversize envelopes, malformed envelopes and quota overflow with typed codes', async () => {
    const bob = makeOwner()
    const sender = new MailboxClient(await client())
    const addr = relay.multiaddrs[0]
    expect(await refusal(sender.deposit(addr, makeEnvelope(bob.deviceKey, { payload: new Uint8Array(5000) })))).toBe('ERR_ENVELOPE_TOO_LARGE')
    expect(await refusal(sender.deposit(addr, makeEnvelope(bob.deviceKey, { expiresAt: BigInt(Date.now() - 1000) })))).toBe('ERR_ENVELOPE_EXPIRED')
    expect(await refusal(sender.deposit(addr, { ...makeEnvelope(bob.deviceKey), version: 9 }))).toBe('ERR_MALFORMED_REQUEST')
    expect(await refusal(sender.deposit(addr, makeEnvelope(randomBytes(5))))).toBe('ERR_MALFORMED_REQUEST')
    for (let i = 0; i < 5; i++) await sender.deposit(addr, makeEnvelope(bob.deviceKey))
    expect(await refusal(sender.deposit(addr, makeEnvelope(bob.deviceKey)))).toBe('ERR_MAILBOX_FULL')
    // byte quota: 3 envelopes of ~4 KB into a fresh mailbox with a 64 KiB quota is fine; count quota hits first
    const carol = makeOwner()
    for (let i = 0; i < 5; i++) await sender.deposit(addr, makeEnvelope(carol.deviceKey, { payload: new Uint8Array(3900) }))
    expect(await refusal(sender.deposit(addr, makeEnvelope(carol.deviceKey)))).toBe('ERR_MAILBOX_FULL')
    expect(relay.metrics.get('parley_relay_refusals_total', { reason: 'ERR_MAILBOX_FULL' })).toBeGreaterThanOrEqual(2)
    await sender.stop()
    await honestRoundTrip()
  })

  it('rate-limits a deposit flood from one peer', async () => {
    const victim = makeOwner()
    const flooder = new MailboxClient(await client())
    const codes: string[] = []
    for (let wave = 0; wave < 4; wave++) {
      const results = await Promise.allSettled(Array.from({ length: 50 }, async () =>
        flooder.deposit(relay.multiaddrs[0], makeEnvelope(victim.deviceKey))))
      codes.push(...results.map((r) => r.status === 'fulfilled' ? 'ok' : (r.reason as MailboxRefusedError).code))
    }
    expect(codes.filter((c) => c === 'ERR_RATE_LIMITED').length).toBeGreaterThan(100)
    // the mailbox quota (5) also bounds what got in
    expect(codes.filter((c) => c === 'ok').length).toBeLessThanOrEqual(5)
    await flooder.stop()
    await honestRoundTrip()
  })

  it('survives 10,000 random and truncated frames over a few streams', async () => {
    const attacker = await client()
    let answered = 0
    const streams = 4
    const perStream = 2500
    await Promise.all(Array.from({ length: streams }, async (_, s) => {
      const raw = await RawMailboxStream.open(attacker, relay)
      const batch: Uint8Array[] = []
      for (let i = 0; i < perStream; i++) {
        const body = randomBytes(1 + (i * 7 + s) % 300)
        batch.push(encodeFrame(body))
      }
      // pipeline in chunks of 100 frames, reading the answers in between
      for (let i = 0; i < perStream; i += 100) {
        const chunk = batch.slice(i, i + 100)
        const joined = new Uint8Array(chunk.reduce((n, c) => n + c.length, 0))
        let o = 0
        for (const c of chunk) { joined.set(c, o); o += c.length }
        raw.stream.send(joined)
        for (let j = 0; j < chunk.length; j++) {
          const frame = await raw.next()
          if (frame == null) throw new Error('relay closed a stream that had valid framing')
          answered++
        }
      }
      // then a truncated frame: the prefix promises 200 bytes, 20 arrive, the writer closes
      raw.stream.send(new Uint8Array([0xc8, 0x01, ...randomBytes(20)]))
      await raw.stream.close()
    }))
    expect(answered).toBe(streams * perStream)
    // garbage length prefixes: 5-byte varint and an oversize length
    for (const junk of [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), new Uint8Array([0xff, 0xff, 0xff, 0x7f])]) {
      const raw = await RawMailboxStream.open(attacker, relay)
      raw.stream.send(junk)
      const frame = await raw.next().catch(() => null)
      if (frame != null) expect(frame.length).toBeGreaterThan(0)
    }
    await waitFor(() => relay.metrics.get('parley_relay_refusals_total', { reason: 'ERR_TRUNCATED_FRAME' }) >= 1, 5000, 'truncation counted')
    expect(relay.metrics.get('parley_relay_refusals_total', { reason: 'ERR_MALFORMED_REQUEST' })).toBeGreaterThan(1000)
    await honestRoundTrip()
  })

  it('times out a stream that stalls mid-frame and frees it', async () => {
    const before = gauge(relay, 'parley_relay_mailbox_streams')
    const raw = await RawMailboxStream.open(await client(), relay)
    // prefix says 1000 bytes; only 10 arrive
    raw.stream.send(new Uint8Array([0xe8, 0x07, ...randomBytes(10)]))
    const closed = new Promise<void>((resolve) => { raw.stream.addEventListener('close', () => { resolve() }) })
    const started = Date.now()
    await closed
    expect(Date.now() - started).toBeLessThan(3000)
    expect(relay.metrics.get('parley_relay_refusals_total', { reason: 'ERR_FRAME_TIMEOUT' })).toBeGreaterThanOrEqual(1)
    await waitFor(() => gauge(relay, 'parley_relay_mailbox_streams') <= before, 2000, 'stream freed')
    await honestRoundTrip()
  })
})
