import { DOMAIN, PREFIX, tagKey } from './keys.js'
import { requireBytes, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/**
 * Identity and key material as opaque blobs, by name (e.g. `account-key`, `device-key`,
 * `signed-prekey`). The identity and crypto modules own the encoding.
 *
 * @example
 * ```ts
 * await store.identity.put('device-key', bytes)
 * const bytes = await store.identity.get('device-key')
 * ```
 */
export class IdentityRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (name: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.identity, this.ctx.skv.cipher, DOMAIN.identity, name)
  }

  async get (name: string, options: StoreOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    const v = await this.ctx.read(await this.key(name))
    return v === undefined ? undefined : requireBytes('identity blob', v)
  }

  async put (name: string, blob: Uint8Array, options: StoreOptions = {}): Promise<void> {
    requireBytes('identity blob', blob)
    const key = await this.key(name)
    await this.ctx.write(async (s) => { s.put(key, blob) }, options.signal)
  }

  async delete (name: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(name)
    await this.ctx.write(async (s) => { s.del(key) }, options.signal)
  }
}
