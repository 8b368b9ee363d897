import { afterEach, describe, expect, it } from 'vitest'
import { channelId, signChannelPost, verifyChannelPost } from '../../src/identity/channel/index.js'
import { ChannelLedger } from '../../src/messenger/channels/channel-ledger.js'
import type { StoredChannel } from '../../src/store/channel-repo.js'
import { openMemoryStore } from '../../src/store/open-memory.js'
import type { Store } from '../../src/store/store.js'
import { PostBody } from '../../src/wire/channel.js'
import { TestChannel } from './helpers.js'

const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => log }) as never

let store: Store | undefined
afterEach(async () => { await store?.close() })

async function setup (): Promise<{ ledger: ChannelLedger, channel: StoredChannel, feed: TestChannel }> {
  store = await openMemoryStore({ passphrase: 'unit', kdf: { N: 1024, r: 8, p: 1 } })
  const feed = new TestChannel()
  const channel: StoredChannel = { id: channelId(feed.key), channelKey: feed.key, name: 'feed', role: 'subscriber', adminsVersion: 0, head: 0, muted: false, joinedAt: 0 }
  await store.channels.put(channel)
  return { ledger: new ChannelLedger(store, log), channel, feed }
}

describe('a reader\'s chain (ChannelLedger)', () => {
  it('takes posts in number order whatever order they come in; a gap holds the later ones back', async () => {
    const { ledger, channel, feed } = await setup()
    const [p1, p2, p3, p4] = [1, 2, 3, 4].map((i) => feed.next(`post ${i}`))
    let state = channel
    const order: number[] = []
    for (const batch of [[p1], [p3], [p4], [p2]]) {
      const applied = await ledger.apply(state, batch)
      state = applied.channel
      order.push(...applied.added.map((p) => p.seq))
      if (batch[0] === p3) expect(applied.gap).toBe(true)
    }
    expect(order).toEqual([1, 2, 3, 4])
    expect(state.head).toBe(4)
    expect((await store?.channels.posts(channel.id))?.map((p) => p.text)).toEqual(['post 1', 'post 2', 'post 3', 'post 4'])
  })

  it('drops a validly signed post that does not name its predecessor, and applies edits and deletions', async () => {
    const { ledger, channel, feed } = await setup()
    const p1 = feed.next('one')
    const stray = verifyChannelPost(signChannelPost(feed.keys, { channelKey: feed.key, seq: 2, prev: new Uint8Array(32).fill(9), body: { kind: PostBody.Kind.TEXT, text: 'inserted', target: 0n, channelName: '' }, createdAt: 0 }), feed.key)
    let state = (await ledger.apply(channel, [p1, stray])).channel
    expect(state.head).toBe(1)
    const p2 = feed.next('two')
    const edit = feed.next('', { kind: PostBody.Kind.EDIT, text: 'one, edited', target: 1n })
    const del = feed.next('', { kind: PostBody.Kind.DELETE, target: 2n })
    const applied = await ledger.apply(state, [del, edit, p2])
    state = applied.channel
    expect(state.head).toBe(4)
    const rows = await store?.channels.posts(channel.id) ?? []
    expect(rows.filter((r) => r.kind === 'text').map((r) => [r.seq, r.text, r.edited, r.deleted])).toEqual([[1, 'one, edited', true, false], [2, '', false, true]])
  })
})
