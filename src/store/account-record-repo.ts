import { DOMAIN, PREFIX, tagKey } from './keys.js'
import { LEGACY_SETTING, deleteLegacySetting, readLegacySetting } from './legacy-settings.js'
import { requireBytes, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/**
 * The last verified account record seen for each account (the signed bytes): what a lookup
 * falls back to when the DHT cannot answer, and what a newer record is compared with to notice
 * device-key changes. Reads fall back to the settings value older versions wrote (`record:<address>`).
 *
 * @example
 * ```ts
 * await store.accountRecords.put(address, record.bytes)
 * const bytes = await store.accountRecords.get(address)
 * ```
 */
export class AccountRecordRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (address: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.accountRecord, this.ctx.skv.cipher, DOMAIN.account, address)
  }

  async get (address: string, options: StoreOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    const own = await this.ctx.read(await this.key(address))
    if (own instanceof Uint8Array) return own
    const legacy = await readLegacySetting(this.ctx, LEGACY_SETTING.accountRecord(address))
    return legacy instanceof Uint8Array ? legacy : undefined
  }

  async put (address: string, record: Uint8Array, options: StoreOptions = {}): Promise<void> {
    requireBytes('record', record)
    const key = await this.key(address)
    await this.ctx.write(async (s) => {
      s.put(key, record)
      await deleteLegacySetting(this.ctx, s, LEGACY_SETTING.accountRecord(address))
    }, options.signal)
  }

  async delete (address: string, options: StoreOptions = {}): Promise<void> {
    const key = await this.key(address)
    await this.ctx.write(async (s) => {
      s.del(key)
      await deleteLegacySetting(this.ctx, s, LEGACY_SETTING.accountRecord(address))
    }, options.signal)
  }
}
