import { describe, expect, it } from 'vitest'
import {
  ChannelPostInvalidError, MAX_CHANNEL_POST_BYTES, channelId, channelTopic, followsInChain, formatChannelLink, generateChannelSecret,
  parseChannelLink, readPostBody, signChannelAdmins, signChannelPost, verifyChannelPost
} from '../../src/identity/channel/index.js'
import { generateSigningKeyPair } from '../../src/identity/keys.js'
import { ChannelPost, PostBody } from '../../src/wire/channel.js'

const text = (t: string): PostBody => ({ kind: PostBody.Kind.TEXT, text: t, target: 0n, channelName: '' })

function fault (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ChannelPostInvalidError) return err.fault
    throw err
  }
  return 'accepted'
}

describe('channel identity, links and posts (pure)', () => {
  const owner = generateSigningKeyPair()

  it('derives a stable id and topic from the public key; links round-trip, secret in the fragment', () => {
    expect(channelId(owner.publicKey)).toMatch(/^[0-9a-f]{32}$/)
    expect(channelTopic(owner.publicKey)).toBe(`/parley/channel/1/${channelId(owner.publicKey)}`)
    const secret = generateChannelSecret()
    const link = formatChannelLink({ channelKey: owner.publicKey, name: 'News & views', secret })
    expect(link.split('#')[1]).toBeDefined()
    const parsed = parseChannelLink(link)
    expect(parsed.name).toBe('News & views')
    expect(parsed.channelKey).toEqual(owner.publicKey)
    expect(parsed.secret).toEqual(secret)
    expect(parseChannelLink(link.split('#')[0]).secret).toBeUndefined()
    for (const bad of ['parley://channel/', 'https://x', `parley://channel/${'A'.repeat(43)}#short`, `parley://channel/x${'A'.repeat(2000)}`]) {
      expect(() => parseChannelLink(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CHANNEL_LINK' }))
    }
  })

  it('verifies signed, chained posts and names the fault of each forgery', () => {
    const first = verifyChannelPost(signChannelPost(owner, { channelKey: owner.publicKey, seq: 1, body: text('one'), createdAt: 1 }), owner.publicKey)
    const second = verifyChannelPost(signChannelPost(owner, { channelKey: owner.publicKey, seq: 2, prev: first.hash, body: text('two'), createdAt: 2 }), owner.publicKey)
    expect(followsInChain(first, second)).toBe(true)
    expect(readPostBody(second).text).toBe('two')

    const stranger = generateSigningKeyPair()
    expect(fault(() => verifyChannelPost(signChannelPost(stranger, { channelKey: owner.publicKey, seq: 3, prev: second.hash, body: text('x'), createdAt: 3 }), owner.publicKey))).toBe('not-admin')
    const tampered = second.bytes.slice()
    tampered[tampered.length - 70] ^= 1
    expect(fault(() => verifyChannelPost(tampered, owner.publicKey))).not.toBe('accepted')
    expect(fault(() => verifyChannelPost(first.bytes, stranger.publicKey))).toBe('wrong-channel')
    expect(fault(() => verifyChannelPost(new Uint8Array([1, 2, 3]), owner.publicKey))).toBe('malformed')
    expect(fault(() => verifyChannelPost(new Uint8Array(MAX_CHANNEL_POST_BYTES + 1), owner.publicKey))).toBe('too-large')
    // the same fields encoded differently (an extra unknown field) are not the signed bytes
    expect(fault(() => verifyChannelPost(new Uint8Array([...first.bytes, 0x78, 0x01]), owner.publicKey))).toBe('non-canonical')
    const noPrev = ChannelPost.encode({ ...ChannelPost.decode(second.bytes), prev: new Uint8Array(0) })
    expect(fault(() => verifyChannelPost(noPrev, owner.publicKey))).toBe('bad-prev')
    const resigned = ChannelPost.decode(second.bytes)
    expect(fault(() => verifyChannelPost(ChannelPost.encode({ ...resigned, seq: 9n }), owner.publicKey))).toBe('bad-signature')
  })

  it('accepts an admin named by the owner, refuses lists the owner did not sign', () => {
    const admin = generateSigningKeyPair()
    const admins = signChannelAdmins(owner, 1, [admin.publicKey])
    const post = verifyChannelPost(signChannelPost({ ...admin, admins }, { channelKey: owner.publicKey, seq: 1, body: text('by an admin'), createdAt: 1 }), owner.publicKey)
    expect(post.adminsVersion).toBe(1)
    const selfMade = signChannelAdmins({ secretKey: admin.secretKey, publicKey: owner.publicKey }, 2, [admin.publicKey])
    expect(fault(() => verifyChannelPost(signChannelPost({ ...admin, admins: selfMade }, { channelKey: owner.publicKey, seq: 1, body: text('x'), createdAt: 1 }), owner.publicKey))).toBe('bad-admins')
  })

  it('seals private posts: readable only with the channel secret, bound to channel and number', () => {
    const secret = generateChannelSecret()
    const sealed = verifyChannelPost(signChannelPost(owner, { channelKey: owner.publicKey, seq: 1, body: text('MARKER secret words'), createdAt: 1, secret }), owner.publicKey)
    expect(sealed.post.encrypted).toBe(true)
    expect(Buffer.from(sealed.bytes).includes(Buffer.from('MARKER'))).toBe(false)
    expect(readPostBody(sealed, secret).text).toBe('MARKER secret words')
    expect(fault(() => readPostBody(sealed))).toBe('undecryptable')
    expect(fault(() => readPostBody(sealed, generateChannelSecret()))).toBe('undecryptable')
    // the same ciphertext moved to another number does not open
    const moved = { ...sealed, post: { ...sealed.post, seq: 2n } }
    expect(fault(() => readPostBody(moved, secret))).toBe('undecryptable')
  })
})
