import * as fc from 'fast-check'
import { defaultLogger } from '@libp2p/logger'
import { toHex } from '../../../src/bytes.js'
import { ChannelPostInvalidError, followsInChain, type VerifiedPost, formatChannelLink, generateChannelSecret, parseChannelLink, readPostBody, signChannelAdmins, signChannelPost, verifyChannelPost } from '../../../src/identity/channel/index.js'
import { generateSigningKeyPair } from '../../../src/identity/keys.js'
import { ChannelHistoryStore } from '../../../src/relay/channel-history/history-store.js'
import { PostBody } from '../../../src/wire/channel.js'
import { tempDir } from '../../helpers/network.js'
import { hostileBytes, hostileText } from '../mutate.js'
import { invalidResult, typedOrResult, typedOrResultAsync, type FuzzTarget } from '../target.js'

const owner = generateSigningKeyPair()
const admin = generateSigningKeyPair()
const stranger = generateSigningKeyPair()
const secret = generateChannelSecret()
const admins = signChannelAdmins(owner, 1, [admin.publicKey])
const channelKey = owner.publicKey

/** A valid chain of 8 posts (owner and admin, texts, an edit, a delete, an admin list): the seeds. */
const chain: Uint8Array[] = []
let prev: Uint8Array | undefined
for (let seq = 1; seq <= 8; seq++) {
  const signer = seq % 3 === 0 ? { ...admin, admins } : owner
  const body: PostBody = seq === 5 ? { kind: PostBody.Kind.EDIT, text: 'edited', target: 2n, channelName: '' } : seq === 6 ? { kind: PostBody.Kind.DELETE, text: '', target: 4n, channelName: '' } : { kind: PostBody.Kind.TEXT, text: `post ${seq}`, target: 0n, channelName: seq === 1 ? 'fuzz' : '' }
  const bytes = signChannelPost(signer, { channelKey, seq, ...(prev != null ? { prev } : {}), body, createdAt: 1_700_000_000_000 + seq, ...(seq === 8 ? { admins } : {}) })
  chain.push(bytes)
  prev = verifyChannelPost(bytes, channelKey).hash
}
const privatePost = signChannelPost(owner, { channelKey, seq: 1, body: { kind: PostBody.Kind.TEXT, text: 'sealed', target: 0n, channelName: 'p' }, createdAt: 1, secret })
const links = [formatChannelLink({ channelKey, name: 'News & views', secret }), formatChannelLink({ channelKey, name: 'x' })]

/** A post the fuzzer has someone sign: the owner (a fork of the chain), an admin, a stranger. */
const signedPost = fc.record({
  who: fc.constantFrom('owner', 'admin', 'stranger'),
  seq: fc.integer({ min: 1, max: 10 }),
  prevOf: fc.option(fc.integer({ min: 0, max: 9 })),
  text: fc.string({ maxLength: 40 }),
  kind: fc.constantFrom(PostBody.Kind.TEXT, PostBody.Kind.EDIT, PostBody.Kind.DELETE, PostBody.Kind.ADMINS),
  target: fc.bigInt({ min: 0n, max: 20n })
})
type SignedPost = typeof signedPost extends fc.Arbitrary<infer T> ? T : never

function sign (p: SignedPost): Uint8Array | undefined {
  const signer = p.who === 'owner' ? owner : p.who === 'admin' ? { ...admin, admins } : { ...stranger, admins }
  const prevHash = p.prevOf != null && p.prevOf < chain.length ? verifyChannelPost(chain[p.prevOf], channelKey).hash : new Uint8Array(32).fill(9)
  return typedOrResult(() => signChannelPost(signer, { channelKey, seq: p.seq, ...(p.seq > 1 ? { prev: prevHash } : {}), body: { kind: p.kind, text: p.text, target: p.target, channelName: '' }, createdAt: 1 }))
}

const postInput = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: chain.length - 1 }).map((i) => ({ chain: i })) },
  { weight: 3, arbitrary: hostileBytes(fc.constantFrom(...chain, privatePost), 512).map((bytes) => ({ bytes })) },
  { weight: 2, arbitrary: signedPost.map((signed) => ({ signed })) }
)
type PostInput = { chain: number } | { bytes: Uint8Array } | { signed: SignedPost }

function postBytes (p: PostInput): Uint8Array | undefined {
  if ('chain' in p) return chain[p.chain]
  if ('bytes' in p) return p.bytes
  return sign(p.signed)
}

/**
 * Channel posts and the relay's channel history (PROTOCOL.md §13): `verifyChannelPost`,
 * `readPostBody` and `parseChannelLink` on mutations of real posts and links; then batches of
 * posts — the chain out of order, mutated posts, forks the owner signs, posts by an admin or a
 * stranger — stored in a real relay history store (its own LevelDB). Every call returns or
 * refuses with a typed error; what the store serves afterwards verifies, ascends, is unique and
 * chains wherever two posts are consecutive.
 */
const target: FuzzTarget<{ posts: PostInput[], link: string }> = {
  name: 'channel-history',
  covers: 'verifyChannelPost, readPostBody, parseChannelLink (src/identity/channel/), ChannelHistoryStore.store / query (src/relay/channel-history/)',
  input: fc.record({ posts: fc.array(postInput, { minLength: 1, maxLength: 6 }), link: hostileText(fc.constantFrom(...links)) }),
  runs: 100,
  open: async () => {
    const dir = await tempDir('parley-fuzz-channels-')
    const store = await ChannelHistoryStore.open({
      location: `${dir.path}/channels`,
      config: { keep: 'all', retention: 3_600_000, maxBytes: 64 * 1024 * 1024, maxBytesPerChannel: 32 * 1024 * 1024, maxChannels: 4, reconcileIntervalMs: 0 },
      logger: defaultLogger()
    })
    const checked = new Map<string, VerifiedPost>()
    return {
      run: async (input) => {
        typedOrResult(() => parseChannelLink(input.link))
        const batch: Uint8Array[] = []
        for (const p of input.posts) {
          const bytes = postBytes(p)
          if (bytes == null) continue
          batch.push(bytes)
          const verified = typedOrResult(() => verifyChannelPost(bytes, channelKey))
          if (verified == null) continue
          if (verified.post.author.length !== 32 || verified.post.seq < 1n) throw invalidResult('a verified post of the wrong shape')
          typedOrResult(() => readPostBody(verified, secret))
          typedOrResult(() => readPostBody(verified))
        }
        if (batch.length > 0) await typedOrResultAsync(async () => await store.store(channelKey, batch, undefined))
        const page = await store.query(channelKey, { after: 0, limit: 50 })
        const served = page.posts.map((bytes) => {
          // posts served again in later runs are checked once (Ed25519 dominates the budget)
          const key = toHex(bytes)
          let v = checked.get(key)
          if (v == null) { v = verifyChannelPost(bytes, channelKey); checked.set(key, v) }
          return v
        })
        for (let i = 1; i < served.length; i++) {
          const [a, b] = [served[i - 1], served[i]]
          if (b.post.seq <= a.post.seq) throw invalidResult('served posts out of order or twice')
          if (b.post.seq === a.post.seq + 1n && !followsInChain(a, b)) throw invalidResult(`post ${b.post.seq} served after a post it does not follow`)
        }
        if (served.some((v) => toHex(v.post.channelKey) !== toHex(channelKey))) throw invalidResult('a post of another channel')
      },
      healthy: async () => {
        // the honest chain is still served or storable, and the store answers
        const page = await store.query(channelKey, { after: 0, limit: 50 })
        if (page.head < 1) throw new ChannelPostInvalidError('malformed', 'nothing kept after the run')
      },
      close: async () => {
        await store.close()
        await dir.cleanup()
      }
    }
  }
}

export default target
