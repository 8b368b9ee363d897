import { concatBytes as concat } from '../bytes.js'
import { InvalidRecordError } from './errors.js'
import { PREFIX, conversationIdBytes } from './keys.js'
import { LEGACY_SETTING, deleteLegacySetting, readLegacySetting } from './legacy-settings.js'
import { asStored, type RepoContext } from './repo-context.js'
import type { SecretChat, SecretChatState, StoreOptions } from './types.js'

const STATES = new Set<SecretChatState>(['pending', 'incoming', 'active', 'closed'])

function parse (value: unknown): SecretChat | undefined {
  if (value == null || typeof value !== 'object') return undefined
  const v = value as Partial<SecretChat>
  if (typeof v.state !== 'string' || !STATES.has(v.state)) return undefined
  return { state: v.state, directOnly: v.directOnly === true, peerDevice: typeof v.peerDevice === 'string' ? v.peerDevice : '' }
}

/**
 * The state of each secret chat, by conversation id: `pending → active → closed` on the side
 * that started it, `incoming → active → closed` on the other, bound to one peer device. Kept
 * after the conversation is wiped (state `closed`), so late messages of a closed chat are dropped.
 * Reads fall back to the settings value older versions wrote (`secret-chat:<id>`).
 *
 * @example
 * ```ts
 * await store.secretChats.put(conversationId, { state: 'pending', directOnly: false, peerDevice })
 * const chat = await store.secretChats.get(conversationId) // chat.state === 'pending'
 * ```
 */
export class SecretChatRepo {
  private readonly ctx: RepoContext
  constructor (ctx: RepoContext) { this.ctx = ctx }

  async get (conversationId: string, options: StoreOptions = {}): Promise<SecretChat | undefined> {
    options.signal?.throwIfAborted()
    const own = await this.ctx.read(concat(PREFIX.secretChat, conversationIdBytes(conversationId)))
    if (own !== undefined) return parse(own)
    return parse(await readLegacySetting(this.ctx, LEGACY_SETTING.secretChat(conversationId)))
  }

  async put (conversationId: string, chat: SecretChat, options: StoreOptions = {}): Promise<void> {
    const key = concat(PREFIX.secretChat, conversationIdBytes(conversationId))
    if (!STATES.has(chat.state) || typeof chat.peerDevice !== 'string') throw new InvalidRecordError('bad secret chat')
    const value: SecretChat = { state: chat.state, directOnly: chat.directOnly, peerDevice: chat.peerDevice }
    await this.ctx.write(async (s) => {
      s.put(key, asStored(value))
      await deleteLegacySetting(this.ctx, s, LEGACY_SETTING.secretChat(conversationId))
    }, options.signal)
  }

  async delete (conversationId: string, options: StoreOptions = {}): Promise<void> {
    const key = concat(PREFIX.secretChat, conversationIdBytes(conversationId))
    await this.ctx.write(async (s) => {
      s.del(key)
      await deleteLegacySetting(this.ctx, s, LEGACY_SETTING.secretChat(conversationId))
    }, options.signal)
  }
}
