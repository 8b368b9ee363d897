import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { EnvelopeQuarantine, type ReceiveRetryPolicy } from '../../src/messenger/delivery/quarantine.js'
import { Envelope } from '../../src/net/envelope-codec.js'
import { openStore, type Store } from '../../src/store/index.js'
import { PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'

/** Retry bookkeeping against a real LevelDB store, on a clock the test moves. */
describe('bounded receive retries, then quarantine', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let store: Store
  let clock: number
  const log = defaultLogger().forComponent('parley:test:quarantine')
  const open = async (): Promise<Store> => openStore({ location: join(dir.path, 'db'), passphrase: PASSPHRASE, kdf: TEST_KDF })
  const quarantineOf = (s: Store, policy: ReceiveRetryPolicy = {}): EnvelopeQuarantine =>
    new EnvelopeQuarantine({ store: s, log, now: () => clock, policy: { attemptSpacingMs: 0, ...policy } })
  const id = (n: number): Uint8Array => new Uint8Array(16).fill(n)
  const transient = new ParleyError('Relay unreachable: connection reset', 'ERR_RELAY_UNREACHABLE')
  const unknownSender = new ParleyError('No account record found for 5Hx…', 'ERR_ACCOUNT_NOT_FOUND')

  beforeEach(async () => {
    dir = await tempDir('parley-quarantine-')
    store = await open()
    clock = 1_000_000
  })

  afterEach(async () => {
    await store.close().catch(() => {})
    await dir.cleanup()
  })

  it('a transient failure is retried, not quarantined at once; quarantined when the count runs out', async () => {
    const q = quarantineOf(store, { maxAttempts: 3 })
    expect(await q.failed(id(1), transient)).toBe('retry')
    clock += 60_000
    expect(await q.failed(id(1), transient)).toBe('retry')
    expect(await q.list()).toEqual([])
    clock += 60_000
    expect(await q.failed(id(1), transient)).toBe('quarantine')
    expect(await q.list()).toEqual([{
      id: '01'.repeat(16), code: 'ERR_RELAY_UNREACHABLE', reason: 'Relay unreachable: connection reset', attempts: 3, firstFailedAt: 1_000_000, quarantinedAt: 1_120_000, kept: false
    }])
    // the same envelope again (from another relay): still quarantined, acked, listed once
    expect(await q.failed(id(1), transient)).toBe('quarantine')
    expect(await q.count()).toBe(1)
  })

  it('an unresolvable claimed sender is retried once, then quarantined', async () => {
    const q = quarantineOf(store)
    expect(await q.failed(id(2), unknownSender)).toBe('retry')
    expect(await q.failed(id(2), unknownSender)).toBe('quarantine')
    expect((await q.list())[0]).toMatchObject({ code: 'ERR_ACCOUNT_NOT_FOUND', attempts: 2 })
  })

  it('retries are bounded by age as well as count', async () => {
    const q = quarantineOf(store, { maxAttempts: 100, maxAgeMs: 3_600_000 })
    expect(await q.failed(id(3), transient)).toBe('retry')
    clock += 3_000_000
    expect(await q.failed(id(3), transient)).toBe('retry')
    clock += 600_000
    expect(await q.failed(id(3), transient)).toBe('quarantine')
  })

  it('failures close together count as one attempt (the same envelope from two relays)', async () => {
    const q = quarantineOf(store, { attemptSpacingMs: 10_000 })
    expect(await q.failed(id(4), unknownSender)).toBe('retry')
    clock += 50
    expect(await q.failed(id(4), unknownSender)).toBe('retry')
    clock += 10_000
    expect(await q.failed(id(4), unknownSender)).toBe('quarantine')
  })

  it('a success forgets earlier failures; permanent failures are dropped without quarantine', async () => {
    const q = quarantineOf(store, { maxAttempts: 2 })
    expect(await q.failed(id(5), transient)).toBe('retry')
    await q.succeeded(id(5))
    expect(await q.failed(id(5), transient)).toBe('retry')
    expect(await q.failed(id(6), new ParleyError('forged', 'ERR_INVALID_SENDER'))).toBe('drop')
    expect(await q.failed(id(7), new Error('no code'))).toBe('retry')
    expect(await q.count()).toBe(0)
  })

  it('the quarantine is bounded and counts what it dropped; the retry counts survive a restart', async () => {
    const q = quarantineOf(store, { maxQuarantined: 3 })
    for (let n = 10; n < 15; n++) {
      expect(await q.failed(id(n), unknownSender)).toBe('retry')
      expect(await q.failed(id(n), unknownSender)).toBe('quarantine')
    }
    expect((await q.list()).map((e) => e.id)).toEqual([id(12), id(13), id(14)].map((b) => Buffer.from(b).toString('hex')))
    expect(await q.count()).toBe(5)
    expect(await q.failed(id(20), unknownSender)).toBe('retry')

    await store.close()
    store = await open()
    const again = quarantineOf(store, { maxQuarantined: 3 })
    expect(await again.count()).toBe(5)
    // the attempt before the restart counted
    expect(await again.failed(id(20), unknownSender)).toBe('quarantine')
  })

  it('when too many failing envelopes are tracked, a new one is left at the relay untracked, never quarantined for it', async () => {
    const q = quarantineOf(store, { maxTracked: 2, maxAttempts: 2 })
    expect(await q.failed(id(30), transient)).toBe('retry')
    expect(await q.failed(id(31), transient)).toBe('retry')
    // full: the third is left at the relay, however often it fails, until a slot frees
    for (let i = 0; i < 5; i++) expect(await q.failed(id(32), transient)).toBe('retry')
    expect(await q.list()).toEqual([])
    expect(await q.failed(id(30), transient)).toBe('quarantine')
    // a slot freed: the third is tracked now, and counted from its first tracked failure
    expect(await q.failed(id(32), transient)).toBe('retry')
    expect(await q.failed(id(32), transient)).toBe('quarantine')
  })

  it('forged envelopes of unknown senders fill a budget of their own: an honest failure is still tracked and kept at the relay', async () => {
    const q = quarantineOf(store, { maxTracked: 2, maxTrackedUnknownSender: 3, unknownSenderMaxAttempts: 100, attemptSpacingMs: 10_000 })
    for (let n = 40; n < 50; n++) expect(await q.failed(id(n), unknownSender)).toBe('retry')
    // ten forged, three tracked ('waiting': failed moments ago); the other seven are at the relay untracked
    expect(await Promise.all([40, 42, 43, 49].map(async (n) => q.check(id(n))))).toEqual(['waiting', 'waiting', undefined, undefined])
    // honest envelopes whose receive failed are tracked in the other budget
    expect(await q.failed(id(60), transient)).toBe('retry')
    expect(await q.failed(id(61), transient)).toBe('retry')
    expect(await q.check(id(60))).toBe('waiting')
    expect(await q.check(id(61))).toBe('waiting')
    expect(await q.count()).toBe(0)
  })

  it('keeps the sealed bytes of quarantined envelopes (bounded) and receives them again on retry', async () => {
    const q = quarantineOf(store, { maxKept: 2 })
    const sealed = (n: number): Uint8Array => Envelope.encode({ version: 1, id: id(n), recipientDevice: new Uint8Array(32), payload: new Uint8Array(64).fill(n), createdAt: 1n, expiresAt: 0n, flags: 0 })
    for (const n of [70, 71, 72]) {
      expect(await q.failed(id(n), unknownSender, { sealed: sealed(n) })).toBe('retry')
      expect(await q.failed(id(n), unknownSender, { sealed: sealed(n) })).toBe('quarantine')
    }
    // at most two kept: the oldest one's bytes went, its entry stays
    expect((await q.list()).map((e) => e.kept)).toEqual([false, true, true])
    // the retry hands the kept envelopes to receive: 71 is received now, 72 fails again
    const seen: string[] = []
    const outcome = await q.retry(async (envelope) => {
      seen.push(Buffer.from(envelope.id).toString('hex'))
      expect(envelope.payload).toEqual(new Uint8Array(64).fill(envelope.id[0]))
      if (envelope.id[0] === 72) throw new ParleyError('still nobody', 'ERR_ACCOUNT_NOT_FOUND')
    })
    expect(outcome).toEqual({ received: 1, failed: 1 })
    expect(seen).toEqual([id(71), id(72)].map((b) => Buffer.from(b).toString('hex')))
    expect((await q.list()).map((e) => [e.id.slice(0, 2), e.kept, e.reason])).toEqual([['46', false, 'No account record found for 5Hx…'], ['48', true, 'still nobody']])
    // kept in the encrypted store: a restart keeps them
    await store.close()
    store = await open()
    expect((await quarantineOf(store).list()).map((e) => e.kept)).toEqual([false, true])
  })
})
