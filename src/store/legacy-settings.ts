import { DOMAIN, PREFIX, tagKey } from './keys.js'
import type { RepoContext } from './repo-context.js'
import type { StoredValue } from './value-codec.js'
import type { WriteScope } from './write-scope.js'

/**
 * Settings names under which messenger versions before the typed repos (store version 2)
 * kept records that now have a repo of their own. Those repos read these as a fallback when
 * their own key is absent, and delete them when they write: data stored by an older version
 * stays readable, and is moved over the first time it is written. (Settings keys are keyed
 * hashes of the name, so they cannot be listed for a migration in `migrations.ts`.)
 */
export const LEGACY_SETTING = {
  conversationsByPeer: 'conversations-by-peer',
  readReceipts: 'read-receipts',
  lastActive: 'last-active',
  secretChat: (conversationId: string) => `secret-chat:${conversationId}`,
  accountRecord: (address: string) => `record:${address}`
} as const

/** The key of a settings value by name (as `SettingsRepo` computes it). */
export async function legacySettingKey (ctx: RepoContext, name: string): Promise<Uint8Array> {
  return await tagKey(PREFIX.setting, ctx.skv.cipher, DOMAIN.setting, name)
}

/** Reads a settings value by name (`{ v }` wrapped, as `SettingsRepo` writes it). */
export async function readLegacySetting (ctx: RepoContext, name: string): Promise<StoredValue | undefined> {
  const v = await ctx.read(await legacySettingKey(ctx, name)) as { v: StoredValue } | undefined
  return v?.v
}

/** Stages the deletion of a settings value by name. */
export async function deleteLegacySetting (ctx: RepoContext, scope: WriteScope, name: string): Promise<void> {
  scope.del(await legacySettingKey(ctx, name))
}
