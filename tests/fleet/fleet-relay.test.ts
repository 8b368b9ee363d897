import { readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import type { Libp2p } from '@libp2p/interface'
import { Key } from 'interface-datastore'
import { toString as toText } from 'uint8arrays/to-string'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fleetDhtKey, verifyFleetRecord } from '../../src/identity/fleet-record.js'
import { DHT_RECORD_PREFIX } from '../../src/net/dht-record-store.js'
import { createEphemeralNode } from '../../src/p2p/index.js'
import {
  FLEET_RECORD_FILE_TYPE, generateOperatorKey, parseMembers, readFleetRecordFile, readOperatorKeyFile, signFleetFile
} from '../../src/relay/fleet/fleet-files.js'
import { loadOrCreateRelayKey, parseRelayArgs, parseRelayConfig, silentLogger, startRelay, type Relay } from '../../src/relay/index.js'
import { FleetRecordBody, SignedFleetRecord } from '../../src/wire/fleet.js'
import { runCli } from '../daemon/helpers.js'
import { tempDir } from '../helpers/network.js'
import { rawPut } from '../node/dht-attack-helpers.js'

const DAY = 86_400_000
const code = (c: string): unknown => expect.objectContaining({ code: c })
const newPeerId = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

describe('a member relay and its fleet record', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let operator: Awaited<ReturnType<typeof readOperatorKeyFile>>
  let relayId: string
  const stops: Array<() => Promise<void>> = []

  const relayConfig = (record: string): Parameters<typeof startRelay>[0] => ({
    dataDir: join(dir.path, 'member'), listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' }, fleet: { record }
  })
  const writeRecord = async (name: string, text: string): Promise<string> => {
    const path = join(dir.path, name)
    await writeFile(path, text)
    return path
  }

  beforeAll(async () => {
    dir = await tempDir('parley-fleet-relay-')
    await writeFile(join(dir.path, 'operator.json'), generateOperatorKey().file)
    operator = await readOperatorKeyFile(join(dir.path, 'operator.json'))
    relayId = peerIdFromPrivateKey(await loadOrCreateRelayKey(join(dir.path, 'member'))).toString()
  })

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop()
    await dir?.cleanup()
  })

  it('refuses to start with a record that does not list it, is expired, tampered with, oversize or of another fleet', async () => {
    const other = await newPeerId()
    const notListed = await writeRecord('not-listed.json', signFleetFile(operator, parseMembers([`${other}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY }))
    await expect(startRelay(relayConfig(notListed), { logger: silentLogger })).rejects.toThrow(code('ERR_FLEET_NOT_MEMBER'))

    const expired = await writeRecord('expired.json', signFleetFile(operator, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY, now: Date.now() - 2 * DAY }))
    await expect(startRelay(relayConfig(expired), { logger: silentLogger })).rejects.toThrow(code('ERR_RECORD_EXPIRED'))

    // a member lists itself into a record by editing its file: the operator's signature no longer holds
    const good = JSON.parse(signFleetFile(operator, parseMembers([`${other}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY })) as { record: string }
    const signed = SignedFleetRecord.decode(Buffer.from(good.record, 'base64'))
    const body = FleetRecordBody.decode(signed.body)
    body.members.push(...parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]))
    const forged = SignedFleetRecord.encode({ body: FleetRecordBody.encode(body), signature: signed.signature })
    const tampered = await writeRecord('tampered.json', JSON.stringify({ ...good, record: Buffer.from(forged).toString('base64') }))
    await expect(startRelay(relayConfig(tampered), { logger: silentLogger })).rejects.toThrow(code('ERR_BAD_RECORD_SIGNATURE'))

    const huge = await writeRecord('huge.json', JSON.stringify({ type: FLEET_RECORD_FILE_TYPE, record: 'A'.repeat(200_000) }))
    await expect(startRelay(relayConfig(huge), { logger: silentLogger })).rejects.toThrow(code('ERR_RECORD_TOO_LARGE'))

    const listed = JSON.parse(signFleetFile(operator, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY })) as object
    const foreign = await writeRecord('foreign.json', JSON.stringify({ ...listed, fleet: generateOperatorKey().fleetId }))
    await expect(startRelay(relayConfig(foreign), { logger: silentLogger })).rejects.toThrow(code('ERR_RECORD_KEY_MISMATCH'))

    expect(() => parseRelayConfig({ fleet: { recrd: 'fleet.json' } })).toThrow(expect.objectContaining({ field: 'fleet.recrd' }))
    expect(() => parseRelayConfig({ fleet: {} })).toThrow(expect.objectContaining({ field: 'fleet.record' }))
    expect(parseRelayArgs(['--fleet-record', 'fleet.json']).overrides.fleet).toEqual({ record: resolve('fleet.json') })
  })

  describe('publishing', () => {
    let relay: Relay
    let client: Libp2p
    let recordPath: string
    let peer: Relay
    const held = async (at = relay): Promise<bigint> => {
      const key = fleetDhtKey(operator.publicKey)
      const value = await at.libp2p.services.dhtRecords.get(new Key(`${DHT_RECORD_PREFIX}${toText(key, 'base32')}`, false))
      return verifyFleetRecord(Libp2pRecord.deserialize(value).value).body.sequence
    }

    beforeAll(async () => {
      recordPath = await writeRecord('fleet.json', signFleetFile(operator, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: 30 * DAY, now: Date.now() - 1000 }))
      relay = await startRelay(relayConfig(recordPath), { logger: silentLogger })
      stops.push(async () => { await relay.stop() })
      client = await createEphemeralNode({ allowPrivateAddresses: true })
      stops.push(async () => { await client.stop() })
      // another DHT server (a relay of no fleet) for the record to go to
      peer = await startRelay({ dataDir: join(dir.path, 'peer'), listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' } }, { logger: silentLogger })
      stops.push(async () => { await peer.stop() })
      await relay.libp2p.dial(peer.multiaddrs[0])
      await relay.fleet!.publish({ signal: AbortSignal.timeout(20_000) })
      expect(await held(peer)).toBe(await held())
    })

    it('holds its record; the DHT refuses a rolled-back, a forged and a foreign record under its key, and takes a newer one', async () => {
      const first = await held()
      const key = fleetDhtKey(operator.publicKey)
      const target = relay.multiaddrs[0]
      // the operator's newer record lands
      const newer = verifyFleetRecord(await (async () => { const f = JSON.parse(signFleetFile(operator, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: 30 * DAY, previousSequence: first })) as { record: string }; return Buffer.from(f.record, 'base64') })())
      expect(await rawPut(client, target, key, newer.bytes)).toBe(true)
      expect(await held()).toBe(newer.body.sequence)
      // the first one again: a rollback
      const old = await readFleetRecordFile(recordPath)
      expect(await rawPut(client, target, key, old.bytes)).toBe(false)
      // forged: a member added after signing
      const body = FleetRecordBody.decode(SignedFleetRecord.decode(newer.bytes).body)
      body.sequence += 10n
      body.members.push(...parseMembers([`${client.peerId.toString()}=/ip4/127.0.0.1/tcp/9`]))
      expect(await rawPut(client, target, key, SignedFleetRecord.encode({ body: FleetRecordBody.encode(body), signature: SignedFleetRecord.decode(newer.bytes).signature }))).toBe(false)
      // another operator's record under this fleet's key
      const otherOp = await readOperatorKeyFile(await writeRecord('other-op.json', generateOperatorKey().file))
      const foreign = JSON.parse(signFleetFile(otherOp, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY, now: Date.now() + DAY })) as { record: string }
      expect(await rawPut(client, target, key, Buffer.from(foreign.record, 'base64'))).toBe(false)
      expect(await held()).toBe(newer.body.sequence)
    })

    it('publishes a rotated file, and keeps the last good record when a replacement does not list it', async () => {
      const before = await held()
      const rotated = signFleetFile(operator, parseMembers([`${relayId}=/ip4/127.0.0.1/tcp/9`, `${client.peerId.toString()}=/ip4/127.0.0.1/tcp/10`]), { lifetimeMs: 30 * DAY, previousSequence: before })
      await writeFile(recordPath, rotated)
      await relay.fleet!.publish({ signal: AbortSignal.timeout(20_000) })
      const after = await held()
      expect(after).toBeGreaterThan(before)
      expect(await held(peer)).toBe(after)
      // removed from the fleet: the relay keeps (and publishes) the last record that lists it
      await writeFile(recordPath, signFleetFile(operator, parseMembers([`${client.peerId.toString()}=/ip4/127.0.0.1/tcp/10`]), { lifetimeMs: 30 * DAY, previousSequence: after }))
      await relay.fleet!.publish({ signal: AbortSignal.timeout(20_000) })
      expect(await held()).toBe(after)
      expect(await held(peer)).toBe(after)
    })
  })
})

describe('fleet records from others count in a relay\'s DHT record shares', () => {
  it('one address stores at most its share of fleet records', async () => {
    const dir = await tempDir('parley-fleet-share-')
    const relay = await startRelay({
      dataDir: join(dir.path, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0'], manyPeersPerAddress: true, metrics: { enabled: false }, log: { level: 'silent' },
      limits: { addressLimitExempt: [], dhtMaxRecordsPerAddress: 2, dhtPutRate: { perSecond: 100, burst: 100 }, dhtPutRatePerAddress: { perSecond: 100, burst: 100 } }
    }, { logger: silentLogger })
    const client = await createEphemeralNode({ allowPrivateAddresses: true })
    try {
      const stored: boolean[] = []
      for (let i = 0; i < 3; i++) {
        const op = await readOperatorKeyFile(await (async () => { const p = join(dir.path, `op-${i}.json`); await writeFile(p, generateOperatorKey().file); return p })())
        const file = JSON.parse(signFleetFile(op, parseMembers([`${await newPeerId()}=/ip4/127.0.0.1/tcp/9`]), { lifetimeMs: DAY })) as { record: string }
        stored.push(await rawPut(client, relay.multiaddrs[0], fleetDhtKey(op.publicKey), Buffer.from(file.record, 'base64')))
      }
      expect(stored).toEqual([true, true, false])
      expect(relay.libp2p.services.dhtRecords.recordCount).toBe(2)
    } finally {
      await client.stop()
      await relay.stop()
      await dir.cleanup()
    }
  })
})

describe('parley fleet (CLI)', () => {
  it('keygen writes a 0600 key once; sign lists the members; show verifies', async () => {
    const dir = await tempDir('parley-fleet-cli-')
    try {
      const keyFile = join(dir.path, 'op.json')
      const keygen = await runCli(['fleet', 'keygen', '--out', keyFile])
      expect(keygen.code, keygen.stderr).toBe(0)
      const fleetId = /^fleet (\w+)/.exec(keygen.stdout)?.[1]
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
      const again = await runCli(['fleet', 'keygen', '--out', keyFile])
      expect(again.code).not.toBe(0)
      expect(again.stderr).toContain('ERR_FLEET_KEY_FILE')

      const a = await newPeerId()
      const b = await newPeerId()
      const sign = await runCli(['fleet', 'sign', '--key', keyFile, '--member', `${a}=/ip4/192.0.2.1/tcp/4001`, '--member', `${a}=/dns4/relay-a.example/tcp/443/tls/ws`, '--member', `${b}=/ip4/192.0.2.2/tcp/4001/p2p/${b}`, '--expires', '30d'])
      expect(sign.code, sign.stderr).toBe(0)
      const file = join(dir.path, 'fleet.json')
      await writeFile(file, sign.stdout)
      const record = await readFleetRecordFile(file)
      expect(record.fleetId).toBe(fleetId)
      expect(record.body.members.map((m) => m.multiaddrs.length)).toEqual([2, 1])
      expect(Number(record.body.expiresAt - record.body.issuedAt)).toBe(30 * DAY)
      const show = await runCli(['fleet', 'show', file])
      expect(show.code, show.stderr).toBe(0)
      expect(show.stdout).toContain(a)
      expect(show.stdout).toContain('/dns4/relay-a.example/tcp/443/tls/ws')

      const bad = await runCli(['fleet', 'sign', '--key', keyFile, '--member', `${a}=/ip4/192.0.2.1/tcp/4001/p2p/${b}`])
      expect(bad.code).not.toBe(0)
      expect(bad.stderr).toContain('names another peer')
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { record: string }
      await writeFile(file, JSON.stringify({ ...parsed, record: parsed.record.slice(0, -8) + 'AAAAAAAA' }))
      const tampered = await runCli(['fleet', 'show', file])
      expect(tampered.code).not.toBe(0)
    } finally {
      await dir.cleanup()
    }
  })
})
