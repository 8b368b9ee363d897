import { DOMAIN, PREFIX, tagKey } from './keys.js'
import type { RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'
import type { StoredValue } from './value-codec.js'

/**
 * Settings by name: any JSON-like value (byte arrays allowed).
 *
 * @example
 * ```ts
 * await store.settings.put('relays', ['/dns4/relay.example/tcp/443/wss'])
 * const relays = await store.settings.get('relays')
 * ```
 */
export class SettingsRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (name: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.setting, this.ctx.skv.cipher, DOMAIN.setting, name)
  }

  async get (name: string, options: StoreOptions = {}): Promise<StoredValue | undefined> {
    options.signal?.throwIfAborted()
    const v = await this.ctx.read(await this.key(name)) as { v: StoredValue } | undefined
    return v?.v
  }

  async put (name: string, value: StoredValue, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(name)
    await this.ctx.write(async (s) => { s.put(key, { v: value }) }, options.signal)
  }

  async delete (name: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(name)
    await this.ctx.write(async (s) => { s.del(key) }, options.signal)
  }
}
