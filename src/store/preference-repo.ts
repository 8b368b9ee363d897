import { DOMAIN, PREFIX, tagKey } from './keys.js'
import { LEGACY_SETTING, deleteLegacySetting, readLegacySetting } from './legacy-settings.js'
import { requireTime, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'
import type { StoredValue } from './value-codec.js'

/**
 * This account's typed preferences and bookkeeping: when this device was last active (for
 * self-destruct) and whether read receipts are sent. Reads fall back to the settings values
 * older versions wrote (`last-active`, `read-receipts`).
 *
 * @example
 * ```ts
 * await store.preferences.setReadReceipts(false)
 * await store.preferences.readReceipts() // false
 * ```
 */
export class PreferenceRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async read (name: string, legacy: string): Promise<StoredValue | undefined> {
    const own = await this.ctx.read(await tagKey(PREFIX.preference, this.ctx.skv.cipher, DOMAIN.setting, name)) as { v: StoredValue } | undefined
    return own !== undefined ? own.v : await readLegacySetting(this.ctx, legacy)
  }

  private async write (name: string, legacy: string, value: StoredValue, options: StoreOptions): Promise<void> {
    const key = await tagKey(PREFIX.preference, this.ctx.skv.cipher, DOMAIN.setting, name)
    await this.ctx.write(async (s) => {
      s.put(key, { v: value })
      await deleteLegacySetting(this.ctx, s, legacy)
    }, options.signal)
  }

  /** When this device was last running (ms since the epoch), if ever recorded. */
  async lastActive (options: StoreOptions = {}): Promise<number | undefined> {
    options.signal?.throwIfAborted()
    const v = await this.read('last-active', LEGACY_SETTING.lastActive)
    return typeof v === 'number' ? v : undefined
  }

  async setLastActive (at: number, options: StoreOptions = {}): Promise<void> {
    await this.write('last-active', LEGACY_SETTING.lastActive, requireTime('lastActive', at), options)
  }

  /** Whether READ receipts are sent. @default true */
  async readReceipts (options: StoreOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    return (await this.read('read-receipts', LEGACY_SETTING.readReceipts)) !== false
  }

  async setReadReceipts (enabled: boolean, options: StoreOptions = {}): Promise<void> {
    await this.write('read-receipts', LEGACY_SETTING.readReceipts, enabled, options)
  }
}
