import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import * as fc from 'fast-check'
import { createLibp2p } from 'libp2p'
import { decodeLinkCode, LINK_PROTOCOL, linkSas, MAX_LINK_FRAME_BYTES, type LinkConfirmation } from '../../../src/device/device-link.js'
import { deviceLink, type DeviceLink } from '../../../src/device/device-link-service.js'
import { historyKey } from '../../../src/device/link-history.js'
import { ACCOUNT_RECORD_VERSION, deviceEntryMessage, signAccountRecord, signDeviceEntry, verifyAccountRecord, type DeviceEntry } from '../../../src/identity/account-record.js'
import { encodeFrame, FrameReader } from '../../../src/net/stream/frame-reader.js'
import { DeviceEntry as DeviceEntryCodec } from '../../../src/wire/parley.js'
import { LinkRequest, LinkResponse } from '../../../src/wire/link.js'
import { waitFor } from '../../helpers/network.js'
import { bytes } from '../arbitraries.js'
import { applyMutations, hostileBytes, hostileChunks, mutationList, type Mutation } from '../mutate.js'
import { hostileStream } from '../streams.js'
import { invalidResult, type FuzzTarget } from '../target.js'

/** The account the existing device belongs to (fixed, so valid entries can be generated for it). */
const ACCOUNT_SECRET = new Uint8Array(32).fill(9)
const ACCOUNT_KEY = ed25519.getPublicKey(ACCOUNT_SECRET)
const MAC_DOMAIN = new TextEncoder().encode('parley/link/v1')
const REPLY_INFO = new TextEncoder().encode('parley/link/v1/reply')
/** How long the attacker reads answers of a raw (unframed or garbage) run before it lets go. */
const READ_MS = 150
/** Generous: a confirmation, a record signature and up to 40 sealed frames on a loaded machine. */
const ANSWER_MS = 8_000

/** PROTOCOL.md §2: HMAC-SHA256(secret, "parley/link/v1" || device_entry), computed as the new device does. */
function linkMac (secret: Uint8Array, entry: Uint8Array): Uint8Array {
  const input = new Uint8Array(MAC_DOMAIN.length + entry.length)
  input.set(MAC_DOMAIN)
  input.set(entry, MAC_DOMAIN.length)
  return hmac(sha256, secret, input)
}

const prekey = fc.record({ id: fc.nat(), publicKey: bytes(32), signature: bytes(64), createdAt: fc.bigInt({ min: 0n, max: 2n ** 50n }) })
/** A new device's entry, validly signed for ACCOUNT_KEY by a device key drawn from a seed. */
const validEntry = fc.record({ seed: bytes(32), peerId: bytes(34), identityDhKey: bytes(32), signedPrekey: prekey, pqPrekey: prekey, addedAt: fc.bigInt({ min: 0n, max: 2n ** 50n }), relayedOnly: fc.boolean() })
  .map(({ seed, relayedOnly, ...rest }) => {
    const keys = { secretKey: seed, publicKey: ed25519.getPublicKey(seed) }
    return DeviceEntryCodec.encode(signDeviceEntry(ACCOUNT_KEY, { ...rest, deviceKey: keys.publicKey, relayedOnly }, keys))
  })

/** What the existing device's user does when asked: confirm, decline, the handler fails, or nobody answers (the new device goes away). */
type Decision = 'confirm' | 'decline' | 'throw' | 'gone'

interface LinkRun {
  /** A LinkRequest with a MAC of a code issued for this run ('valid'), of a code used before ('stale') or a random one. */
  request?: { entry: Uint8Array, mac: 'valid' | 'stale' | Uint8Array, historyDays: number, historyAll: boolean, edits: Mutation[], decision: Decision, historyFrames: number, acks: 'honest' | Uint8Array[], reuse: boolean }
  /** Or hostile frames with no request behind them. */
  raw?: { chunks: Uint8Array[], closeWrite: boolean }
}

const request = fc.record({
  entry: fc.oneof({ weight: 3, arbitrary: validEntry }, { weight: 2, arbitrary: hostileBytes(validEntry) }),
  mac: fc.oneof({ weight: 4, arbitrary: fc.constant('valid' as const) }, { weight: 1, arbitrary: fc.constant('stale' as const) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }),
  historyDays: fc.oneof(fc.constant(0), fc.nat({ max: 40_000 }), fc.constant(0xffffffff)),
  historyAll: fc.boolean(),
  edits: fc.oneof({ weight: 4, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 1, arbitrary: mutationList(3) }),
  decision: fc.constantFrom<Decision>('confirm', 'confirm', 'decline', 'throw', 'gone'),
  historyFrames: fc.nat({ max: 40 }),
  acks: fc.oneof({ weight: 2, arbitrary: fc.constant('honest' as const) }, { weight: 1, arbitrary: hostileChunks(hostileBytes(fc.nat({ max: 50 }).map((n) => { const a = new Uint8Array(4); new DataView(a.buffer).setUint32(0, n); return a })), encodeFrame) }),
  reuse: fc.boolean()
})

/** A history frame the harness's source yields: its index and whether it is the last. */
const plainFrame = (i: number, count: number): Uint8Array => Uint8Array.of(i, i === count - 1 ? 1 : 0, ...new Uint8Array(i * 97 % 300))

function openEntry (entry: Uint8Array): DeviceEntry | undefined {
  try {
    const e = DeviceEntryCodec.decode(entry)
    return ed25519.verify(e.deviceSignature, deviceEntryMessage(ACCOUNT_KEY, e), e.deviceKey) && e.signedPrekey != null && e.pqPrekey != null ? e : undefined
  } catch {
    return undefined
  }
}

const isCode = (code: string): boolean => /^ERR_[A-Z0-9_]+$/.test(code)

/**
 * `/parley/link/2.0.0` on a real libp2p node running the real `deviceLink()` service, over
 * loopback: link requests with valid, stale and forged MACs over valid and mutated device
 * entries, the request frame itself mutated, raw frames, and a confirmation that is given,
 * declined, fails, or left waiting while the new device goes away; after a confirmed link, the
 * history archive with honest or hostile acks. Checked: every answer is a LinkResponse with an
 * `ERR_…` code or an accepted link; nothing is confirmed or linked without a valid MAC and
 * entry; the SAS asked about is the one the new device computes; an accepted reply opens to the
 * account secret and a record that lists the device; history frames open with the history key,
 * in order; a code is one-time; a confirmation whose new device went away is withdrawn (not left
 * on the user's screen for 120 s). Afterwards every link stream is released, at most 8 codes are
 * honoured (the oldest of 9 is refused) and an honest new device links with its history.
 */
const target: FuzzTarget<LinkRun> = {
  name: 'link-stream',
  covers: '/parley/link/2.0.0 of a real deviceLink() service (src/device/device-link.ts, link-history.ts): LinkRequest/LinkResponse, SAS confirmation, history acks',
  input: fc.oneof({ weight: 4, arbitrary: request.map((r) => ({ request: r })) }, { weight: 1, arbitrary: fc.record({ chunks: hostileChunks(hostileBytes(validEntry.map((e) => LinkRequest.encode({ deviceEntry: e, mac: new Uint8Array(32), historyDays: 0, historyAll: false }))), encodeFrame), closeWrite: fc.boolean() }).map((raw) => ({ raw })) }),
  runs: 40,
  runTimeoutMs: 20_000,
  open: async () => {
    const nodes: Libp2p[] = []
    try {
      let decision: Decision = 'decline'
      let historyFrames = 0
      const asked: LinkConfirmation[] = []
      let waiting = 0
      let linked: DeviceEntry[] = []
      const server = await createLibp2p({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: {
          identify: identify(),
          deviceLink: deviceLink({
            accountKey: ACCOUNT_KEY,
            accountSecret: () => ACCOUNT_SECRET.slice(),
            addDevice: async (entry) => {
              linked.push(entry)
              return signAccountRecord({ version: ACCOUNT_RECORD_VERSION, accountKey: ACCOUNT_KEY, sequence: BigInt(linked.length), issuedAt: BigInt(Date.now()), expiresAt: BigInt(Date.now() + 86_400_000), inactivityDays: 180, devices: [entry], relays: [], deleted: false }, { secretKey: ACCOUNT_SECRET, publicKey: ACCOUNT_KEY })
            },
            publishRecord: async () => {}
          })
        }
      })
      nodes.push(server)
      const service: DeviceLink = server.services.deviceLink
      service.setConfirmHandler(async (req, { signal }) => {
        asked.push(req)
        if (decision === 'confirm') return true
        if (decision === 'decline') return false
        if (decision === 'throw') throw new Error('the confirmation dialog failed')
        // nobody answers: the request waits until the service withdraws it (as LinkConfirmations does)
        waiting++
        return await new Promise<boolean>((resolve) => {
          signal.addEventListener('abort', () => { waiting--; resolve(false) }, { once: true })
        })
      })
      service.setHistorySource((_since, { signal }) => (async function * () {
        for (let i = 0; i < historyFrames; i++) {
          signal.throwIfAborted()
          yield plainFrame(i, historyFrames)
        }
      })())
      const attacker = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
      nodes.push(attacker)
      const serverPeer = server.peerId.toMultihash().bytes
      const addr = server.getMultiaddrs()[0]
      // the codes the service should honour (as PROTOCOL.md says): unused ones, the newest 8
      const pending: Uint8Array[] = []
      let staleSecret: Uint8Array = new Uint8Array(32)
      const issue = async (): Promise<Uint8Array> => {
        const secret = decodeLinkCode(await service.createCode()).secret
        pending.push(secret)
        while (pending.length > 8) pending.shift()
        return secret
      }
      /** The pending code a request's MAC was made with (the service then forgets it), if any. */
      const consume = (entry: Uint8Array, mac: Uint8Array): Uint8Array | undefined => {
        const i = pending.findIndex((s) => equalBytes(mac, linkMac(s, entry)))
        if (i < 0) return undefined
        staleSecret = pending[i]
        return pending.splice(i, 1)[0]
      }
      let answers = 0

      /** One request on a fresh stream: the response, the stream and its reader (open for the history). */
      const ask = async (body: Uint8Array, signal?: AbortSignal): Promise<{ response: LinkResponse | undefined, stream: Stream, reader: FrameReader } | undefined> => {
        let stream: Stream
        try {
          stream = await attacker.dialProtocol(addr, LINK_PROTOCOL, { signal })
        } catch {
          return undefined // refused: the stream cap, or a connection being torn down
        }
        const reader = new FrameReader(stream, { maxFrameBytes: MAX_LINK_FRAME_BYTES + 64, frameTimeoutMs: ANSWER_MS })
        stream.send(encodeFrame(body))
        return { response: undefined, stream, reader }
      }
      const readResponse = async (reader: FrameReader, signal?: AbortSignal): Promise<LinkResponse | undefined> => {
        const frame = await reader.next({ signal: AbortSignal.any([AbortSignal.timeout(ANSWER_MS), ...(signal != null ? [signal] : [])]) }).catch(() => null)
        if (frame == null) return undefined
        answers++
        let response: LinkResponse
        try {
          response = LinkResponse.decode(frame)
        } catch (err) {
          throw invalidResult(`the first answer is not a LinkResponse: ${(err as Error).message}`)
        }
        if (response.code !== '' && !isCode(response.code)) throw invalidResult(`refusal code ${JSON.stringify(response.code)}`)
        return response
      }

      return {
        run: async ({ request: r, raw }, options) => {
          if (raw != null) {
            answers += await hostileStream({
              open: async (o) => attacker.dialProtocol(addr, LINK_PROTOCOL, o),
              chunks: raw.chunks,
              closeWrite: raw.closeWrite,
              maxAnswerBytes: MAX_LINK_FRAME_BYTES,
              checkAnswer: (frame) => {
                const response = LinkResponse.decode(frame)
                if (!isCode(response.code)) throw new Error(`a link with no valid MAC answered ${JSON.stringify(response.code)}`)
              },
              readMs: READ_MS,
              ...options
            })
            return
          }
          if (r == null) return
          const secret = await issue()
          decision = r.decision
          historyFrames = r.historyFrames
          asked.length = 0
          linked = []
          const mac = r.mac === 'valid' ? linkMac(secret, r.entry) : r.mac === 'stale' ? linkMac(staleSecret, r.entry) : r.mac
          const encoded = LinkRequest.encode({ deviceEntry: r.entry, mac, historyDays: r.historyDays, historyAll: r.historyAll })
          const body = applyMutations(encoded, r.edits)
          const exchange = await ask(body, options.signal)
          if (exchange == null) return
          const { stream, reader } = exchange
          try {
            // what the server may do with this request, judged as the protocol says
            const sent = ((): { entry: Uint8Array, mac: Uint8Array, days: number, all: boolean } | undefined => {
              try {
                const req = LinkRequest.decode(body)
                return { entry: req.deviceEntry, mac: req.mac, days: req.historyDays, all: req.historyAll }
              } catch { return undefined }
            })()
            const matched = sent != null ? consume(sent.entry, sent.mac) : undefined
            const macValid = matched != null
            const entry = sent != null ? openEntry(sent.entry) : undefined
            if (r.decision === 'gone') {
              // the new device goes away while the user is asked: the question must be withdrawn
              if (macValid && entry != null) await waitFor(() => waiting > 0 || asked.length > 0, ANSWER_MS, 'the link request to be put to the user')
              stream.abort(new Error('the new device went away'))
              await waitFor(() => waiting === 0, 10_000, 'the confirmation of a new device that went away to be withdrawn')
              return
            }
            const response = await readResponse(reader, options.signal)
            if (response == null) return
            if (asked.length > 0 && !(macValid && entry != null)) throw invalidResult('the user was asked to confirm a link without a valid MAC and signed entry')
            if (asked.length > 1) throw invalidResult('one request asked the user twice')
            if (asked.length === 1 && sent != null && asked[0].sas !== linkSas(matched ?? secret, serverPeer, sent.entry)) throw invalidResult('the SAS asked about is not the one the new device shows')
            if (response.code === '') {
              if (r.decision !== 'confirm' || asked.length !== 1 || entry == null || linked.length !== 1) throw invalidResult('a link was accepted that the user did not confirm')
              let plain: Uint8Array
              try {
                plain = xchacha20poly1305(hkdf(sha256, matched ?? secret, undefined, REPLY_INFO, 32), response.nonce).decrypt(response.sealed)
              } catch {
                throw invalidResult('an accepted link reply does not open with the code\'s reply key')
              }
              if (!equalBytes(plain.subarray(0, 32), ACCOUNT_SECRET)) throw invalidResult('the reply carries another account secret')
              const { body: record } = verifyAccountRecord(plain.subarray(32), { accountKey: ACCOUNT_KEY })
              if (!record.devices.some((d) => equalBytes(d.deviceKey, entry.deviceKey))) throw invalidResult('the reply\'s record does not list the new device')
              const wantsHistory = sent != null && (sent.all || sent.days > 0)
              if (wantsHistory) {
                const key = historyKey(matched ?? secret)
                const honest = r.acks === 'honest'
                if (!honest) for (const chunk of r.acks as Uint8Array[]) stream.send(chunk)
                for (let i = 0; i < (honest ? r.historyFrames : 0); i++) {
                  const frame = await reader.next({ signal: AbortSignal.timeout(ANSWER_MS) })
                  if (frame == null) throw invalidResult(`the history ended after ${i} of ${r.historyFrames} frames`)
                  let plainFrameBytes: Uint8Array
                  try {
                    plainFrameBytes = xchacha20poly1305(key, frame.subarray(0, 24)).decrypt(frame.subarray(24))
                  } catch {
                    throw invalidResult('a history frame does not open with the history key')
                  }
                  if (!equalBytes(plainFrameBytes, plainFrame(i, r.historyFrames))) throw invalidResult(`history frame ${i} out of order`)
                  const ack = new Uint8Array(4)
                  new DataView(ack.buffer).setUint32(0, i + 1)
                  stream.send(encodeFrame(ack))
                }
              }
            } else if (linked.length > 0) {
              throw invalidResult(`a device was added to the record though the link was refused (${response.code})`)
            } else if (sent != null && !macValid && response.code !== 'ERR_LINK_REFUSED') {
              throw invalidResult(`a request without a valid MAC answered ${response.code}, not ERR_LINK_REFUSED`)
            }
            if (r.reuse && macValid && sent != null) {
              // the code is one-time from its first valid request on, confirmed or not
              const again = await ask(LinkRequest.encode({ deviceEntry: sent.entry, mac: sent.mac, historyDays: 0, historyAll: false }), options.signal)
              if (again != null) {
                try {
                  const second = await readResponse(again.reader, options.signal)
                  if (second != null && second.code !== 'ERR_LINK_REFUSED') throw invalidResult(`a code used twice answered ${second.code === '' ? 'a link' : second.code}`)
                } finally {
                  again.stream.abort(new Error('fuzz run over'))
                }
              }
            }
          } finally {
            stream.abort(new Error('fuzz run over'))
          }
        },
        healthy: async (options) => {
          if (answers === 0) throw new Error('the device answered no link request: the target does not reach the handler')
          const linkStreams = (): number => server.getConnections().flatMap((c) => c.streams).filter((s) => s.protocol === LINK_PROTOCOL).length
          await waitFor(() => linkStreams() === 0 && waiting === 0, 15_000, 'every link stream released and no confirmation left waiting')
          // at most 8 codes are honoured: the oldest of 9 is forgotten
          const secrets: Uint8Array[] = []
          for (let i = 0; i < 9; i++) secrets.push(await issue())
          decision = 'confirm'
          historyFrames = 3
          const entry = fc.sample(validEntry, { seed: 1, numRuns: 1 })[0]
          const old = await ask(LinkRequest.encode({ deviceEntry: entry, mac: linkMac(secrets[0], entry), historyDays: 0, historyAll: false }), options.signal)
          if (old == null) throw new Error('the honest stream was refused')
          try {
            const response = await readResponse(old.reader, options.signal)
            if (response?.code !== 'ERR_LINK_REFUSED') throw new Error(`the 9th-oldest code was honoured: ${response?.code}`)
          } finally { old.stream.abort(new Error('done')) }
          // an honest new device links with the newest code and gets its 3 history frames
          await waitFor(() => linkStreams() === 0, 15_000, 'the refused stream released')
          const honest = await ask(LinkRequest.encode({ deviceEntry: entry, mac: linkMac(secrets[8], entry), historyDays: 0, historyAll: true }), options.signal)
          if (honest == null) throw new Error('the honest stream was refused')
          try {
            const response = await readResponse(honest.reader, options.signal)
            if (response?.code !== '') throw new Error(`an honest link was answered ${response?.code}`)
            const key = historyKey(secrets[8])
            for (let i = 0; i < 3; i++) {
              const frame = await honest.reader.next(options)
              if (frame == null) throw new Error(`the honest history ended after ${i} frames`)
              if (!equalBytes(xchacha20poly1305(key, frame.subarray(0, 24)).decrypt(frame.subarray(24)), plainFrame(i, 3))) throw new Error(`honest history frame ${i} differs`)
              const ack = new Uint8Array(4)
              new DataView(ack.buffer).setUint32(0, i + 1)
              honest.stream.send(encodeFrame(ack))
            }
            if (await honest.reader.next(options) != null) throw new Error('a frame after the last history frame')
          } finally { honest.stream.abort(new Error('done')) }
        },
        close: async () => {
          await Promise.allSettled(nodes.map(async (n) => n.stop()))
        }
      }
    } catch (err) {
      await Promise.allSettled(nodes.map(async (n) => n.stop()))
      throw err
    }
  }
}
export default target
