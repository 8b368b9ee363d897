import { toHex } from '../bytes.js'
import type { PlainOp, SealedKv } from './sealed-kv.js'
import { decodeValue, type StoredValue } from './value-codec.js'

/**
 * The staged writes of one transaction. Reads through the scope see the transaction's own
 * writes first (read-your-writes for point lookups), then committed data. Nothing reaches the
 * database until `commit()`, which writes every operation in one backend batch.
 *
 * A scope with a `parent` is one part of the parent's transaction: its reads see its own
 * writes, then the parent's, then committed data; `commit()` hands its writes to the parent
 * (nothing reaches the database), and a part that is dropped instead leaves the parent as it was.
 */
export class WriteScope {
  private readonly staged = new Map<string, PlainOp>()
  readonly skv: SealedKv
  private readonly parent: WriteScope | undefined

  constructor (skv: SealedKv, parent?: WriteScope) {
    this.skv = skv
    this.parent = parent
  }

  /** A part of this transaction (see the class): its writes join this scope on its `commit()`. */
  part (): WriteScope {
    return new WriteScope(this.skv, this)
  }

  /** Stages a write; `purgeOld` asks for the value it replaces to be purged from the files (edits). */
  put (key: Uint8Array, value: StoredValue, options: { purgeOld?: boolean } = {}): void {
    this.staged.set(toHex(key), { type: 'put', key, value: this.skv.encode(value), ...(options.purgeOld === true ? { purgeOld: true } : {}) })
  }

  del (key: Uint8Array): void {
    this.staged.set(toHex(key), { type: 'del', key })
  }

  /** Point read honouring staged writes; IntegrityError propagates. */
  async read (key: Uint8Array): Promise<StoredValue | undefined> {
    const op = this.staged.get(toHex(key))
    if (op !== undefined) return op.type === 'put' ? decodeValue(op.value) : undefined
    if (this.parent !== undefined) return await this.parent.read(key)
    return await this.skv.get(key)
  }

  /** Point reads of many keys at once (one backend call for the unstaged ones). */
  async readMany (keys: Uint8Array[]): Promise<Array<StoredValue | undefined>> {
    const out: Array<StoredValue | undefined> = new Array(keys.length)
    const missing: number[] = []
    keys.forEach((key, i) => {
      const op = this.staged.get(toHex(key))
      if (op === undefined) missing.push(i)
      else out[i] = op.type === 'put' ? decodeValue(op.value) : undefined
    })
    if (missing.length === 0) return out
    if (this.parent !== undefined) {
      const got = await this.parent.readMany(missing.map((i) => keys[i]))
      got.forEach((v, j) => { out[missing[j]] = v })
      return out
    }
    const got = await this.skv.getMany(missing.map((i) => keys[i]))
    got.forEach((v, j) => {
      if (v instanceof Error) throw v
      out[missing[j]] = v
    })
    return out
  }

  get size (): number {
    return this.staged.size
  }

  async commit (): Promise<void> {
    if (this.parent !== undefined) {
      for (const [hex, op] of this.staged) this.parent.staged.set(hex, op)
    } else {
      await this.skv.commit([...this.staged.values()])
    }
    this.staged.clear()
  }
}
