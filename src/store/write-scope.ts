import { toHex } from './bytes.js'
import type { PlainOp, SealedKv } from './sealed-kv.js'
import { decodeValue, type StoredValue } from './value-codec.js'

/**
 * The staged writes of one transaction. Reads through the scope see the transaction's own
 * writes first (read-your-writes for point lookups), then committed data. Nothing reaches the
 * database until `commit()`, which writes every operation in one backend batch.
 */
export class WriteScope {
  private readonly staged = new Map<string, PlainOp>()
  readonly skv: SealedKv

  constructor (skv: SealedKv) {
    this.skv = skv
  }

  put (key: Uint8Array, value: StoredValue): void {
    this.staged.set(toHex(key), { type: 'put', key, value: this.skv.encode(value) })
  }

  del (key: Uint8Array): void {
    this.staged.set(toHex(key), { type: 'del', key })
  }

  /** Point read honouring staged writes; IntegrityError propagates. */
  async read (key: Uint8Array): Promise<StoredValue | undefined> {
    const op = this.staged.get(toHex(key))
    if (op !== undefined) return op.type === 'put' ? decodeValue(op.value) : undefined
    return await this.skv.get(key)
  }

  get size (): number {
    return this.staged.size
  }

  async commit (): Promise<void> {
    await this.skv.commit([...this.staged.values()])
    this.staged.clear()
  }
}
