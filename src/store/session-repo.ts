import { concatBytes } from '../bytes.js'
import { DOMAIN, PREFIX } from './keys.js'
import { InvalidRecordError } from './errors.js'
import { requireBytes, requireString, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/** Earlier sessions kept per (my device, their device) at most. */
export const MAX_ARCHIVED_SESSIONS = 4

/**
 * Pairwise ratchet sessions, one per (my device, their device); the state is opaque bytes from
 * the crypto module. Beside the current one, up to {@link MAX_ARCHIVED_SESSIONS} sessions it
 * replaced are kept (newest first), to open messages still in flight on them.
 *
 * @example
 * ```ts
 * await store.sessions.put(myDeviceId, theirDeviceId, ratchetState)
 * const state = await store.sessions.get(myDeviceId, theirDeviceId)
 * ```
 */
export class SessionRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (myDevice: string, theirDevice: string, prefix: Uint8Array = PREFIX.session): Promise<Uint8Array> {
    const c = this.ctx.skv.cipher
    return concatBytes(prefix,
      await c.tag(DOMAIN.device, requireString('myDevice', myDevice)),
      await c.tag(DOMAIN.device, requireString('theirDevice', theirDevice)))
  }

  async get (myDevice: string, theirDevice: string, options: StoreOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    const v = await this.ctx.read(await this.key(myDevice, theirDevice))
    return v === undefined ? undefined : requireBytes('session', v)
  }

  async put (myDevice: string, theirDevice: string, state: Uint8Array, options: StoreOptions = {}): Promise<void> {
    requireBytes('session state', state)
    const key = await this.key(myDevice, theirDevice)
    await this.ctx.write(async (s) => { s.put(key, state) }, options.signal)
  }

  async delete (myDevice: string, theirDevice: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(myDevice, theirDevice)
    await this.ctx.write(async (s) => { s.del(key) }, options.signal)
  }

  /** Sessions with this device that were replaced, newest first (empty when none). */
  async archived (myDevice: string, theirDevice: string, options: StoreOptions = {}): Promise<Uint8Array[]> {
    options.signal?.throwIfAborted()
    const v = await this.ctx.read(await this.key(myDevice, theirDevice, PREFIX.sessionArchive))
    if (v === undefined) return []
    if (!Array.isArray(v)) throw new InvalidRecordError('archived sessions must be a list')
    return v.map((s) => requireBytes('archived session', s))
  }

  /** Replaces the archived sessions with `states` (newest first; the oldest beyond the bound are dropped; empty deletes). */
  async putArchived (myDevice: string, theirDevice: string, states: Uint8Array[], options: StoreOptions = {}): Promise<void> {
    const kept = states.slice(0, MAX_ARCHIVED_SESSIONS).map((s) => requireBytes('archived session', s))
    const key = await this.key(myDevice, theirDevice, PREFIX.sessionArchive)
    await this.ctx.write(async (s) => { if (kept.length === 0) s.del(key); else s.put(key, kept) }, options.signal)
  }
}
