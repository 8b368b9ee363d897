import { concat } from './bytes.js'
import { DOMAIN, PREFIX } from './keys.js'
import { requireBytes, requireString, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/**
 * Pairwise ratchet sessions, one per (my device, their device); the state is opaque bytes from
 * the crypto module.
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

  private async key (myDevice: string, theirDevice: string): Promise<Uint8Array> {
    const c = this.ctx.skv.cipher
    return concat(PREFIX.session,
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
}
