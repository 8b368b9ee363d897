import { concatBytes, prefixEnd } from '../bytes.js'
import { PREFIX, expiryKey } from './keys.js'
import type { SealedKv } from './sealed-kv.js'
import { TAG_BYTES } from './store-cipher.js'
import type { StoredValue } from './value-codec.js'
import { WriteScope } from './write-scope.js'

/**
 * One forward schema step. `run` stages its writes in `scope`; the runner adds the new
 * `/version` to the same scope and commits it as one batch, so a step happens entirely or not
 * at all (a crash mid-migration leaves the old version, and the step runs again on next open).
 */
export interface Migration {
  from: number
  to: number
  description: string
  run: (skv: SealedKv, scope: WriteScope, signal?: AbortSignal) => Promise<void>
}

/** v1 → v2: contacts get a verification state and key history; messages get an expiry index. */
const v1ToV2: Migration = {
  from: 1,
  to: 2,
  description: 'contacts: verified:boolean → verification + keyHistory; build the /ex/ expiry index; /mi/ gains x',
  async run (skv, scope, signal) {
    for await (const row of skv.rows({ gte: PREFIX.contact, lt: prefixEnd(PREFIX.contact) }, signal)) {
      if (row.error !== undefined) continue // damaged rows stay as they are
      const { verified, ...rest } = row.value as { verified?: boolean } & Record<string, StoredValue>
      scope.put(row.key, { ...rest, verification: verified === true ? 'verified' : 'unverified', keyHistory: [] })
    }
    for await (const row of skv.rows({ gte: PREFIX.message, lt: prefixEnd(PREFIX.message) }, signal)) {
      if (row.error !== undefined) continue
      const m = row.value as { id: string, conversationId: string, clock: number, senderTimestamp: number, expiresAt?: number | null }
      const idTag = row.key.subarray(row.key.length - TAG_BYTES)
      const x = typeof m.expiresAt === 'number' ? m.expiresAt : null
      scope.put(row.key, { ...(row.value as Record<string, StoredValue>), expiresAt: x })
      scope.put(concatBytes(PREFIX.messageId, idTag), { c: m.conversationId, k: m.clock, t: m.senderTimestamp, x })
      if (x !== null) scope.put(expiryKey(x, idTag), { m: m.id, c: m.conversationId })
    }
  }
}

/** Every migration, in order. Add new steps at the end; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [v1ToV2]

/**
 * Runs every step from `version` up to `target`; returns the final version.
 *
 * @example
 * ```ts
 * const v = await migrate(skv, 1, CURRENT_VERSION)
 * ```
 */
export async function migrate (skv: SealedKv, version: number, target: number, signal?: AbortSignal): Promise<number> {
  let v = version
  while (v < target) {
    const step = MIGRATIONS.find((m) => m.from === v)
    if (step === undefined) throw new Error(`no migration from version ${v}`)
    const scope = new WriteScope(skv)
    await step.run(skv, scope, signal)
    scope.put(PREFIX.version, { version: step.to })
    signal?.throwIfAborted()
    await scope.commit()
    v = step.to
  }
  return v
}
