import { InvalidRecordError } from './errors.js'
import { DOMAIN, PREFIX, conversationIdBytes, tagKey } from './keys.js'
import { LEGACY_SETTING, readLegacySetting } from './legacy-settings.js'
import type { RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/**
 * The normal conversation with each account (`conversations.byPeer`): one small record per
 * peer, where older versions rewrote one JSON map (the `conversations-by-peer` setting) whole
 * on every new chat. Reads fall back to that map; it is no longer written.
 *
 * @example
 * ```ts
 * await store.peerConversations.put(address, conversation.id)
 * const id = await store.peerConversations.get(address)
 * ```
 */
export class PeerConversationRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  private async key (address: string): Promise<Uint8Array> {
    return await tagKey(PREFIX.peerConversation, this.ctx.skv.cipher, DOMAIN.account, address)
  }

  /** The id of the normal conversation with `address`, if one was recorded. */
  async get (address: string, options: StoreOptions = {}): Promise<string | undefined> {
    options.signal?.throwIfAborted()
    const own = await this.ctx.read(await this.key(address)) as { id?: unknown } | undefined
    if (own != null && typeof own.id === 'string') return own.id
    const map = await readLegacySetting(this.ctx, LEGACY_SETTING.conversationsByPeer)
    if (map == null || typeof map !== 'object' || map instanceof Uint8Array || Array.isArray(map)) return undefined
    const id = (map as Record<string, unknown>)[address]
    return typeof id === 'string' ? id : undefined
  }

  async put (address: string, conversationId: string, options: StoreOptions = {}): Promise<void> {
    conversationIdBytes(conversationId)
    if (typeof address !== 'string' || address.length === 0) throw new InvalidRecordError('peer address must be a non-empty string')
    const key = await this.key(address)
    await this.ctx.write(async (s) => { s.put(key, { id: conversationId }) }, options.signal)
  }
}
