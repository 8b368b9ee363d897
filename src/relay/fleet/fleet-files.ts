import { readFile, stat, writeFile } from 'node:fs/promises'
import type { AbortOptions } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { base64 } from 'multiformats/bases/base64'
import { ParleyError } from '../../errors.js'
import {
  decodeFleetId, encodeFleetId, FLEET_RECORD_VERSION, MAX_FLEET_RECORD_BYTES, signFleetRecord, verifyFleetRecord,
  type FleetMember, type VerifiedFleetRecord
} from '../../identity/fleet-record.js'
import { generateSigningKeyPair, signingKeyPairFromSeed, type SigningKeyPair } from '../../identity/keys.js'

/** `type` of a fleet record file (`parley fleet sign` writes it, a member relay's `fleet.record` names it). */
export const FLEET_RECORD_FILE_TYPE = 'parley-fleet-record'
/** `type` of an operator key file (`parley fleet keygen`). */
export const OPERATOR_KEY_FILE_TYPE = 'parley-fleet-operator-key'
/** Largest fleet record file read (the signed record is at most 16 KiB; base64 and the human-readable copy around it). */
const MAX_FILE_BYTES = 4 * MAX_FLEET_RECORD_BYTES + 64 * 1024

/** A fleet record file or operator key file that cannot be used. */
export class FleetFileError extends ParleyError {
  static override name = 'FleetFileError'
  constructor (message: string, code = 'ERR_FLEET_KEY_FILE') { super(message, code) }
}

/** A relay configured with a fleet record that does not list it. */
export class FleetNotMemberError extends ParleyError {
  static override name = 'FleetNotMemberError'
  constructor (message = 'This relay is not a member of the fleet') { super(message, 'ERR_FLEET_NOT_MEMBER') }
}

/** The JSON of a fleet record file: `record` is what counts; the rest is a readable copy of it. */
export interface FleetRecordFile {
  type: typeof FLEET_RECORD_FILE_TYPE
  fleet: string
  sequence: string
  issuedAt: string
  expiresAt: string
  members: Array<{ peerId: string, multiaddrs: string[] }>
  /** The signed record (base64): what member relays publish. */
  record: string
}

/** A fresh operator key: its fleet id and the key file's JSON. Keep the file offline. */
export function generateOperatorKey (): { fleetId: string, file: string } {
  const key = generateSigningKeyPair()
  const fleetId = encodeFleetId(key.publicKey)
  return { fleetId, file: JSON.stringify({ type: OPERATOR_KEY_FILE_TYPE, fleet: fleetId, secretKey: base64.baseEncode(key.secretKey) }, null, 2) + '\n' }
}

/** Writes a new operator key file (mode 0600); never overwrites one. */
export async function writeOperatorKeyFile (path: string, options: AbortOptions = {}): Promise<string> {
  const { fleetId, file } = generateOperatorKey()
  try {
    await writeFile(path, file, { mode: 0o600, flag: 'wx', signal: options.signal })
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new FleetFileError(`${path} exists: an operator key is never overwritten`)
    throw new FleetFileError(`cannot write ${path}: ${(err as Error).message}`)
  }
  return fleetId
}

/** Reads an operator key file. */
export async function readOperatorKeyFile (path: string, options: AbortOptions = {}): Promise<SigningKeyPair> {
  const json = await readJson(path, options)
  if (json.type !== OPERATOR_KEY_FILE_TYPE || typeof json.secretKey !== 'string') throw new FleetFileError(`${path} is not a Parley fleet operator key`)
  let secretKey: Uint8Array
  try { secretKey = base64.baseDecode(json.secretKey) } catch { throw new FleetFileError(`${path}: secretKey is not base64`) }
  if (secretKey.length !== 32) throw new FleetFileError(`${path}: secretKey is not 32 bytes`)
  const key = signingKeyPairFromSeed(secretKey)
  if (json.fleet != null && json.fleet !== encodeFleetId(key.publicKey)) throw new FleetFileError(`${path}: the key does not match its fleet id`)
  return key
}

/**
 * Parses `--member <peerId>=<multiaddr>` values (repeat a PeerId for more addresses); a
 * multiaddr ending in `/p2p/<id>` must name the same peer.
 */
export function parseMembers (specs: string[]): FleetMember[] {
  const members = new Map<string, FleetMember>()
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new FleetFileError(`--member ${spec}: expected <peerId>=<multiaddr>`, 'ERR_INVALID_ARGUMENT')
    const idText = spec.slice(0, eq)
    let peerId
    try { peerId = peerIdFromString(idText) } catch { throw new FleetFileError(`--member ${spec}: ${idText} is not a PeerId`, 'ERR_INVALID_ARGUMENT') }
    let ma
    try { ma = multiaddr(spec.slice(eq + 1)) } catch (err) { throw new FleetFileError(`--member ${spec}: not a multiaddr (${(err as Error).message})`, 'ERR_INVALID_ARGUMENT') }
    const named = ma.getComponents().find((c) => c.name === 'p2p')?.value
    if (named != null && named !== peerId.toString()) throw new FleetFileError(`--member ${spec}: the address names another peer`, 'ERR_INVALID_ARGUMENT')
    const member = members.get(peerId.toString()) ?? { peerId: peerId.toMultihash().bytes, multiaddrs: [] }
    member.multiaddrs.push(ma.bytes)
    members.set(peerId.toString(), member)
  }
  return [...members.values()]
}

/** Signs a fleet record (sequence: `max(now, previous + 1)`) and returns its file's JSON text. */
export function signFleetFile (operator: SigningKeyPair, members: FleetMember[], init: { lifetimeMs: number, now?: number, previousSequence?: bigint }): string {
  const now = init.now ?? Date.now()
  const sequence = init.previousSequence != null && init.previousSequence >= BigInt(now) ? init.previousSequence + 1n : BigInt(now)
  const bytes = signFleetRecord({
    version: FLEET_RECORD_VERSION,
    operatorKey: operator.publicKey,
    sequence,
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + init.lifetimeMs),
    members
  }, operator)
  return JSON.stringify(fleetFileOf(verifyFleetRecord(bytes, { now })), null, 2) + '\n'
}

/** The readable file form of a verified record. */
export function fleetFileOf (record: VerifiedFleetRecord): FleetRecordFile {
  const { body } = record
  return {
    type: FLEET_RECORD_FILE_TYPE,
    fleet: record.fleetId,
    sequence: body.sequence.toString(),
    issuedAt: new Date(Number(body.issuedAt)).toISOString(),
    expiresAt: new Date(Number(body.expiresAt)).toISOString(),
    members: body.members.map((m) => ({
      peerId: peerIdFromMultihash(Digest.decode(m.peerId)).toString(),
      multiaddrs: m.multiaddrs.map((a) => multiaddr(a).toString())
    })),
    record: base64.baseEncode(record.bytes)
  }
}

/**
 * Reads and verifies a fleet record file: the signed `record` must verify (signature, expiry
 * at `now`, size), and name the fleet in `fleet` when that is set. Typed errors:
 * `ERR_FLEET_KEY_FILE` (unreadable file), the record's own codes (`ERR_BAD_RECORD_SIGNATURE`,
 * `ERR_RECORD_EXPIRED`, `ERR_RECORD_TOO_LARGE`, `ERR_MALFORMED_RECORD`, `ERR_RECORD_KEY_MISMATCH`).
 */
export async function readFleetRecordFile (path: string, options: AbortOptions & { now?: number } = {}): Promise<VerifiedFleetRecord> {
  const json = await readJson(path, options)
  if (json.type !== FLEET_RECORD_FILE_TYPE || typeof json.record !== 'string') throw new FleetFileError(`${path} is not a Parley fleet record file`)
  let bytes: Uint8Array
  try { bytes = base64.baseDecode(json.record) } catch { throw new FleetFileError(`${path}: record is not base64`) }
  const operatorKey = typeof json.fleet === 'string' ? decodeFleetId(json.fleet) : undefined
  return verifyFleetRecord(bytes, { operatorKey, now: options.now })
}

async function readJson (path: string, options: AbortOptions): Promise<Record<string, unknown>> {
  let text: string
  try {
    // the size first: a huge file is refused without being read
    if ((await stat(path)).size > MAX_FILE_BYTES) throw new FleetFileError(`${path} is too large`, 'ERR_RECORD_TOO_LARGE')
    text = await readFile(path, { encoding: 'utf8', signal: options.signal })
  } catch (err) {
    if (err instanceof FleetFileError) throw err
    throw new FleetFileError(`cannot read ${path}: ${(err as Error).message}`)
  }
  let json: unknown
  try { json = JSON.parse(text) } catch { throw new FleetFileError(`${path} is not JSON`) }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FleetFileError(`${path} is not a JSON object`)
  return json as Record<string, unknown>
}
