/**
 * Byte generators for decoders: arbitrary bytes, and mutations of valid encodings (bit flips,
 * truncation, insertion, overwritten spans, splices), which reach far deeper into a protobuf or
 * JSON decoder than random bytes do.
 */
import * as fc from 'fast-check'

/** One mutation of `bytes`, chosen by fast-check (so it shrinks). */
export type Mutation =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'truncate', at: number }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'overwrite', at: number, bytes: Uint8Array }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'duplicate', at: number, length: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), new Uint8Array([0]))) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) })
)

function apply (bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length
  const at = n === 0 ? 0 : m.at % (n + 1)
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return bytes
      const out = bytes.slice()
      out[m.at % n] ^= 1 << m.bit
      return out
    }
    case 'truncate': return bytes.slice(0, at)
    case 'insert': return concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at))
    case 'overwrite': {
      const out = bytes.slice()
      out.set(m.bytes.subarray(0, Math.max(0, n - at)), at)
      return out
    }
    case 'delete': return concat(bytes.subarray(0, at), bytes.subarray(at + m.length))
    case 'duplicate': return concat(bytes.subarray(0, at + m.length), bytes.subarray(at))
  }
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

/** 0–`max` mutations, to apply later with {@link applyMutations} (to bytes known only at run time, e.g. a MAC'd frame). */
export function mutationList (max = 3): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation, { maxLength: max })
}

/** Applies mutations drawn by {@link mutationList}, in order. */
export function applyMutations (bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  return ms.reduce(apply, bytes)
}

/** A valid encoding from `valid`, then 1–4 mutations of it. */
export function mutated (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([bytes, ms]) => ms.reduce(apply, bytes))
}

/** Mostly mutations of valid encodings, some valid ones untouched, some raw bytes. */
export function hostileBytes (valid: fc.Arbitrary<Uint8Array>, maxRawBytes = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 6, arbitrary: mutated(valid) },
    { weight: 1, arbitrary: valid },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: maxRawBytes }) }
  )
}

/** Mutations of a valid string (as UTF-8 text edits), plus arbitrary strings. */
export function hostileText (valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(valid, fc.nat(), fc.nat(), fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })))
    .map(([s, a, b, insert]) => {
      const i = a % (s.length + 1)
      const j = Math.min(s.length, i + (b % 4))
      return s.slice(0, i) + insert + s.slice(j)
    })
  return fc.oneof({ weight: 5, arbitrary: edit }, { weight: 1, arbitrary: valid }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) })
}

/** Frames for a length-prefixed stream: well-framed hostile bodies, raw bytes, lying length prefixes. */
export function hostileChunks (body: fc.Arbitrary<Uint8Array>, encodeFrame: (b: Uint8Array) => Uint8Array): fc.Arbitrary<Uint8Array[]> {
  const chunk = fc.oneof(
    { weight: 6, arbitrary: body.map(encodeFrame) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    // a length prefix that promises more than follows (or a huge frame)
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 8 * 1024 * 1024 }), fc.uint8Array({ maxLength: 32 })).map(([len, rest]) => concat(varint(len), rest)) }
  )
  return fc.array(chunk, { minLength: 1, maxLength: 4 })
}

function varint (value: number): Uint8Array {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value = Math.floor(value / 128)
    if (value > 0) byte |= 0x80
    out.push(byte)
  } while (value > 0)
  return new Uint8Array(out)
}
