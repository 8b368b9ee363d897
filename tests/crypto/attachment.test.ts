/**
 * The attachment format (docs/PROTOCOL.md §11): frozen vectors through every backend, round
 * trips over chunk and piece boundaries, padding overhead, and each kind of bad input a typed error.
 */
import { readFileSync } from 'node:fs'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex } from '../../src/bytes.js'
import type { CryptoBackend } from '../../src/crypto/backend.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { nativePrimitives as browserPrimitives } from '../../src/crypto/native-primitives.browser.js'
import { nobleHashes } from '../../src/crypto/hash-noble.js'
import { createSha256 as browserSha256 } from '../../src/crypto/stream-hash.browser.js'
import { createSha256 } from '../../src/crypto/stream-hash.js'
import {
  AttachmentSealer, CHUNK_SIZE, cipherLengthOf, decodeManifest, encodeManifest, type Manifest, openAttachment,
  paddedAttachmentLength, PIECE_SIZE, pieceDigest, sealChunk, blobDigest, validateAnnouncement, SEALED_CHUNK_SIZE
} from '../../src/crypto/attachment/index.js'
import { Attachment } from '../../src/wire/content.js'
import { type AttachmentVector, sealVector, VECTOR_SIZES, vectorPlaintext } from './attachment-fixtures.js'

const browserBackend: CryptoBackend = { name: 'browser-primitives', randomBytes: nobleBackend.randomBytes, ...browserPrimitives, ...nobleHashes }
const backends = [nobleBackend, nativeBackend, browserBackend]
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/parley-attachment-v1.json', import.meta.url), 'utf8')) as { vectors: AttachmentVector[] }

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return concatBytes(...parts)
}

function specOf (v: { key: Uint8Array, size: number, sha256: Uint8Array, cipherLength: number, pieceDigests: Uint8Array[] }): { key: Uint8Array, size: number, sha256: Uint8Array, manifest: Manifest } {
  return { key: v.key, size: v.size, sha256: v.sha256, manifest: { cipherLength: v.cipherLength, pieceDigests: v.pieceDigests } }
}

async function sealed (size: number, flip = false): Promise<{ spec: ReturnType<typeof specOf>, pieces: Uint8Array[], plain: Uint8Array, digest: Uint8Array }> {
  const plain = vectorPlaintext(size)
  if (flip) plain[0] ^= 1
  const backend = nativeBackend
  const sealer = new AttachmentSealer(backend)
  const pieces: Uint8Array[] = []
  for await (const p of sealer.seal([plain])) pieces.push(p.bytes)
  return { spec: specOf(sealer.summary), pieces, plain, digest: sealer.summary.digest }
}

describe.each(backends.map((b) => [b.name, b] as const))('attachment vectors: %s', (_name, backend) => {
  it('reproduces every frozen vector byte for byte and opens it', async () => {
    expect(vectors.map((v) => v.size)).toEqual(VECTOR_SIZES)
    for (const expected of vectors) {
      const { vector, pieces } = await sealVector(backend, expected.size)
      expect(vector).toEqual(expected)
      const spec = { key: fromHex(vector.key), size: vector.size, sha256: fromHex(vector.sha256), manifest: decodeManifest(encodeManifest({ cipherLength: vector.cipherLength, pieceDigests: vector.pieceDigests.map(fromHex) }), fromHex(vector.digest), 1 << 30) }
      expect(toHex(await collect(openAttachment(backend, spec, pieces)))).toBe(toHex(vectorPlaintext(expected.size)))
    }
  })
})

describe('attachment format', () => {
  it('uses the age STREAM nonce: 11-byte big-endian counter, then the last-chunk flag (checked with noble directly)', async () => {
    const v = vectors.find((x) => x.size === 100)
    const ct = fromHex(v?.ciphertext ?? '')
    expect(ct.length).toBe(512 + 16)
    const nonce = new Uint8Array(12)
    nonce[11] = 1
    const plain = chacha20poly1305(fromHex(v?.key ?? ''), nonce).decrypt(ct)
    expect(toHex(plain.subarray(0, 100))).toBe(toHex(vectorPlaintext(100)))
    expect(plain.subarray(100).every((b) => b === 0)).toBe(true)
    // the second chunk of a 3-chunk blob: counter 1, not last
    const key = new Uint8Array(32).fill(7)
    const chunk = await sealChunk(nativeBackend, key, 1, false, new Uint8Array(10))
    const n1 = new Uint8Array(12)
    n1[10] = 1
    expect(toHex(chacha20poly1305(key, n1).decrypt(chunk))).toBe(toHex(new Uint8Array(10)))
  })

  it('both stream hashes (node:crypto and the browser\'s noble) agree', () => {
    const a = createSha256()
    const b = browserSha256()
    for (const part of [vectorPlaintext(1000), vectorPlaintext(70_000)]) { a.update(part); b.update(part) }
    expect(toHex(a.digest())).toBe(toHex(b.digest()))
  })

  it('round-trips sizes around chunk and piece boundaries, fed in odd-sized writes', async () => {
    for (const size of [1, CHUNK_SIZE - 1, CHUNK_SIZE + 1, 4 * CHUNK_SIZE - 1, 4 * CHUNK_SIZE + 1, 8192, 8193, 1_000_003]) {
      const plain = vectorPlaintext(size)
      const parts: Uint8Array[] = []
      for (let i = 0; i < plain.length; i += 77_777) parts.push(plain.subarray(i, i + 77_777))
      const sealer = new AttachmentSealer(nativeBackend)
      const pieces: Uint8Array[] = []
      for await (const p of sealer.seal(parts)) {
        expect(p.index).toBe(pieces.length)
        pieces.push(p.bytes)
      }
      expect(sealer.summary.cipherLength).toBe(cipherLengthOf(size))
      expect(pieces.slice(0, -1).every((p) => p.length === PIECE_SIZE)).toBe(true)
      expect(toHex(await collect(openAttachment(nativeBackend, specOf(sealer.summary), pieces)))).toBe(toHex(plain))
    }
  })

  it('pads to buckets with less than 5 % overhead above 8 KiB, never below the size', () => {
    let previous = 0
    for (let n = 0; n < 3_000_000; n += 997) {
      const p = paddedAttachmentLength(n)
      expect(p).toBeGreaterThanOrEqual(n)
      expect(p).toBeGreaterThanOrEqual(previous)
      if (n > 8192) expect((p - n) / n).toBeLessThan(0.05)
      previous = p
    }
    expect(paddedAttachmentLength(2 ** 31)).toBe(2 ** 31)
    expect(paddedAttachmentLength(2 ** 31 - 1)).toBe(2 ** 31)
    expect(new Set(Array.from({ length: 1000 }, (_, i) => paddedAttachmentLength(1_000_000 + i * 100))).size).toBeLessThanOrEqual(7)
  })
})

describe('attachment bad input: each a typed error, nothing handed out as complete', () => {
  const size = 700_000 // 3 pieces

  it('a flipped byte in a piece: ERR_ATTACHMENT_CORRUPT', async () => {
    const { spec, pieces } = await sealed(size)
    pieces[1][1234] ^= 1
    await expect(collect(openAttachment(nativeBackend, spec, pieces))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
  })

  it('a truncated file (last piece missing, or cut short): ERR_ATTACHMENT_TRUNCATED / ERR_ATTACHMENT_CORRUPT', async () => {
    const { spec, pieces } = await sealed(size)
    await expect(collect(openAttachment(nativeBackend, spec, pieces.slice(0, -1)))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_TRUNCATED' })
    const cut = [...pieces.slice(0, -1), pieces[pieces.length - 1].subarray(0, 100)]
    await expect(collect(openAttachment(nativeBackend, spec, cut))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
    await expect(collect(openAttachment(nativeBackend, spec, [...pieces, pieces[0]]))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_TRUNCATED' })
  })

  it('a piece from another file: ERR_ATTACHMENT_CORRUPT', async () => {
    const a = await sealed(size)
    const b = await sealed(size, true)
    await expect(collect(openAttachment(nativeBackend, a.spec, [a.pieces[0], b.pieces[1], a.pieces[2]]))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_CORRUPT' })
  })

  it('a piece list that is not the announced digest, or lies about its length: ERR_ATTACHMENT_DIGEST / typed', async () => {
    const a = await sealed(size)
    const b = await sealed(size, true)
    const bytes = encodeManifest(b.spec.manifest)
    expect(() => decodeManifest(bytes, a.digest, 1 << 30)).toThrow(expect.objectContaining({ code: 'ERR_ATTACHMENT_DIGEST' }))
    expect(decodeManifest(bytes, b.digest, 1 << 30).pieceDigests.length).toBe(3)
    expect(() => decodeManifest(bytes, b.digest, 1000)).toThrow(expect.objectContaining({ code: 'ERR_ATTACHMENT_TOO_LARGE' }))
    expect(() => decodeManifest(bytes.subarray(0, bytes.length - 1), b.digest, 1 << 30)).toThrow(expect.objectContaining({ code: 'ERR_ATTACHMENT_MALFORMED' }))
    // the wrong plaintext hash in the announcement
    const wrong = { ...a.spec, sha256: b.spec.sha256 }
    await expect(collect(openAttachment(nativeBackend, wrong, a.pieces))).rejects.toMatchObject({ code: 'ERR_ATTACHMENT_DIGEST' })
  })

  it('a replayed chunk counter (consistent piece digests, as a hostile sender could make): ERR_DECRYPT', async () => {
    const key = new Uint8Array(32).fill(3)
    const size = 3 * CHUNK_SIZE - 600 // padded to exactly 3 chunks
    expect(paddedAttachmentLength(size)).toBe(3 * CHUNK_SIZE)
    const zero = new Uint8Array(CHUNK_SIZE)
    const c0 = await sealChunk(nativeBackend, key, 0, false, zero)
    const c2 = await sealChunk(nativeBackend, key, 2, true, zero)
    const piece = concatBytes(c0, c0, c2) // chunk 0 replayed in place of chunk 1
    const manifest = { cipherLength: piece.length, pieceDigests: [pieceDigest(piece)] }
    expect(piece.length).toBe(cipherLengthOf(size))
    const h = createSha256()
    h.update(new Uint8Array(size))
    const spec = { key, size, sha256: h.digest(), manifest }
    expect(toHex(blobDigest(manifest))).toHaveLength(64)
    await expect(collect(openAttachment(nativeBackend, spec, [piece]))).rejects.toMatchObject({ code: 'ERR_DECRYPT' })
    // the same three chunks in place but the final one sealed as "not last" (a truncation splice)
    const notLast = concatBytes(c0, await sealChunk(nativeBackend, key, 1, false, zero), await sealChunk(nativeBackend, key, 2, false, zero))
    await expect(collect(openAttachment(nativeBackend, { ...spec, manifest: { cipherLength: notLast.length, pieceDigests: [pieceDigest(notLast)] } }, [notLast])))
      .rejects.toMatchObject({ code: 'ERR_DECRYPT' })
    const good = concatBytes(c0, await sealChunk(nativeBackend, key, 1, false, zero), c2)
    expect((await collect(openAttachment(nativeBackend, { ...spec, manifest: { cipherLength: good.length, pieceDigests: [pieceDigest(good)] } }, [good]))).length).toBe(size)
    expect(SEALED_CHUNK_SIZE * 3).toBe(good.length)
  })

  it('an oversize announcement or plaintext: ERR_ATTACHMENT_TOO_LARGE; a malformed one: ERR_ATTACHMENT_MALFORMED', async () => {
    const ok: Attachment = { key: new Uint8Array(32), digest: new Uint8Array(32), size: 10n, sha256: new Uint8Array(32), name: 'a.txt', mime: 'text/plain', durationMs: 0, waveform: new Uint8Array(0), thumbnail: new Uint8Array(0), width: 0, height: 0 }
    expect(() => validateAnnouncement(Attachment.decode(Attachment.encode(ok)))).not.toThrow()
    const bad: Array<[Partial<Attachment>, string]> = [
      [{ size: 2n ** 31n + 1n }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ size: 2n ** 60n }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ name: 'x'.repeat(256) }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ mime: 'x'.repeat(128) }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ thumbnail: new Uint8Array(16 * 1024 + 1) }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ waveform: new Uint8Array(129) }, 'ERR_ATTACHMENT_TOO_LARGE'],
      [{ key: new Uint8Array(31) }, 'ERR_ATTACHMENT_MALFORMED'],
      [{ digest: new Uint8Array(0) }, 'ERR_ATTACHMENT_MALFORMED'],
      [{ name: '../etc/passwd' }, 'ERR_ATTACHMENT_MALFORMED']
    ]
    for (const [change, code] of bad) expect(() => validateAnnouncement({ ...ok, ...change })).toThrow(expect.objectContaining({ code }))
    expect(() => validateAnnouncement({ ...ok, size: 5000n }, 4000)).toThrow(expect.objectContaining({ code: 'ERR_ATTACHMENT_TOO_LARGE' }))
    const sealer = new AttachmentSealer(nativeBackend, { maxSize: 100_000 })
    await expect(collect((async function * () { for await (const p of sealer.seal([new Uint8Array(60_000), new Uint8Array(60_000)])) yield p.bytes })()))
      .rejects.toMatchObject({ code: 'ERR_ATTACHMENT_TOO_LARGE' })
  })
})
