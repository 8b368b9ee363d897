import { MAX_VALUE_BYTES } from './constants.js'
import { IntegrityError, StoreClosedError, ValueTooLargeError } from './errors.js'
import type { KvBackend, KvOp, KvRange } from './kv-backend.js'
import type { StoreCipher } from './store-cipher.js'
import { decodeValue, encodeValue, type StoredValue } from './value-codec.js'

/** A plaintext write waiting to be sealed and committed. */
export type PlainOp =
  | { type: 'put', key: Uint8Array, value: Uint8Array, /** purge the replaced value from the files */ purgeOld?: boolean }
  | { type: 'del', key: Uint8Array }

/** One row of a ranged read: the decoded value, or the integrity error of that row alone. */
export type SealedRow =
  | { key: Uint8Array, value: StoredValue, error?: undefined }
  | { key: Uint8Array, value?: undefined, error: IntegrityError }

function decodeOpened (plain: Uint8Array): StoredValue {
  try {
    return decodeValue(plain)
  } catch (err) {
    throw new IntegrityError('stored record authenticated but does not decode', { cause: err })
  }
}

/**
 * The encrypting layer over a {@link KvBackend}: values are encoded, size-checked and sealed
 * with their database key as associated data; reads authenticate and decode, turning any
 * failure into an {@link IntegrityError} for that record only.
 */
export class SealedKv {
  readonly kv: KvBackend
  readonly cipher: StoreCipher
  closed = false
  /** Told, after each committed batch, which keys it deleted or replaced with `purgeOld`. */
  onPurgeable?: (keys: Uint8Array[]) => void

  constructor (kv: KvBackend, cipher: StoreCipher) {
    this.kv = kv
    this.cipher = cipher
  }

  check (): void {
    if (this.closed) throw new StoreClosedError()
  }

  /** Encodes a record, enforcing {@link MAX_VALUE_BYTES}. */
  encode (value: StoredValue): Uint8Array {
    const bytes = encodeValue(value)
    if (bytes.length > MAX_VALUE_BYTES) throw new ValueTooLargeError(`value of ${bytes.length} bytes exceeds ${MAX_VALUE_BYTES}`)
    return bytes
  }

  async open (key: Uint8Array, sealed: Uint8Array): Promise<StoredValue> {
    const p = this.cipher.open(key, sealed)
    return decodeOpened(p instanceof Promise ? await p : p)
  }

  /** Like `open`, but reports failure as a row; synchronous when the cipher is. */
  private async openRow (key: Uint8Array, sealed: Uint8Array): Promise<SealedRow> {
    try {
      const p = this.cipher.open(key, sealed)
      return { key, value: decodeOpened(p instanceof Promise ? await p : p) }
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err
      return { key, error: err }
    }
  }

  /** A bounded range read (pages): fetched in one go, then authenticated row by row. */
  async page (range: KvRange, signal?: AbortSignal): Promise<SealedRow[]> {
    this.check()
    signal?.throwIfAborted()
    const entries = await this.kv.range(range)
    signal?.throwIfAborted()
    const out: SealedRow[] = []
    for (const [key, sealed] of entries) out.push(await this.openRow(key, sealed))
    return out
  }

  async get (key: Uint8Array): Promise<StoredValue | undefined> {
    this.check()
    const sealed = await this.kv.get(key)
    if (sealed === undefined) return undefined
    return await this.open(key, sealed)
  }

  /** Point reads; a failed record yields its IntegrityError in place. */
  async getMany (keys: Uint8Array[]): Promise<Array<StoredValue | IntegrityError | undefined>> {
    this.check()
    const sealed = await this.kv.getMany(keys)
    return await Promise.all(sealed.map(async (s, i) => {
      if (s === undefined) return undefined
      try { return await this.open(keys[i], s) } catch (err) {
        if (err instanceof IntegrityError) return err
        throw err
      }
    }))
  }

  async * rows (range: KvRange, signal?: AbortSignal): AsyncGenerator<SealedRow> {
    this.check()
    for await (const [key, sealed] of this.kv.entries(range)) {
      signal?.throwIfAborted()
      try {
        yield { key, value: await this.open(key, sealed) }
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err
        yield { key, error: err }
      }
    }
  }

  /** Seals and writes `ops` in one backend batch (all or nothing). */
  async commit (ops: PlainOp[]): Promise<void> {
    this.check()
    const sealed: KvOp[] = []
    const purgeable: Uint8Array[] = []
    for (const op of ops) {
      if (op.type === 'del') { sealed.push(op); purgeable.push(op.key); continue }
      if (op.purgeOld === true) purgeable.push(op.key)
      const p = this.cipher.seal(op.key, op.value)
      sealed.push({ type: 'put', key: op.key, value: p instanceof Promise ? await p : p })
    }
    this.check()
    await this.kv.batch(sealed)
    if (purgeable.length > 0) this.onPurgeable?.(purgeable)
  }
}
