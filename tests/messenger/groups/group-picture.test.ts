import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors.js'
import { signPicture } from '../../../src/messenger/groups/picture.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import type { GroupRecord } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'
import { GroupLogSnapshot } from '../../../src/wire/groups.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { groupState, sendRawGroupContent } from './group-helpers.js'

const WAIT = 60_000
/** A 1×1 PNG. */
const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))

describe('groups: the group picture (real nodes on 127.0.0.1)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let id: string

  beforeAll(async () => {
    dir = await tempDir('parley-group-picture-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    ;[alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async (name) => startTestMessenger(dir.path, name, relays)))
    id = (await alice.createGroup('Painters', [bob.address])).id
    await groupState(bob, id, (g) => g.self === 'member', WAIT)
  }, 180_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('an admin sets it; members get it with the group state, and so does a member added later', async () => {
    const atBob = groupState(bob, id, (g) => g.picture != null, WAIT)
    const view = await alice.setGroupPicture(id, { bytes: PNG, mime: 'image/png' })
    expect(view.picture?.mime).toBe('image/png')
    expect((await atBob).picture?.setAt).toBe(view.picture?.setAt)
    expect((await bob.groupPicture(id))?.bytes).toEqual(PNG)
    const carolIn = groupState(carol, id, (g) => g.self === 'member' && g.picture != null, WAIT)
    await alice.addMembers(id, [carol.address])
    await carolIn
    expect((await carol.groupPicture(id))?.bytes).toEqual(PNG)
  }, 180_000)

  it('refused: a member who may not rename, an oversized or mislabelled image; a forged picture in an update is ignored', async () => {
    await expect(bob.setGroupPicture(id, { bytes: PNG, mime: 'image/png' })).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await expect(alice.setGroupPicture(id, { bytes: new Uint8Array(17 * 1024).fill(0x89), mime: 'image/png' })).rejects.toMatchObject({ code: ErrorCode.INVALID_GROUP_PICTURE })
    await expect(alice.setGroupPicture(id, { bytes: PNG, mime: 'image/jpeg' })).rejects.toMatchObject({ code: ErrorCode.INVALID_GROUP_PICTURE })
    await expect(alice.setGroupPicture(id, { bytes: new TextEncoder().encode('<svg/>'), mime: 'image/svg+xml' })).rejects.toMatchObject({ code: ErrorCode.INVALID_GROUP_PICTURE })
    // bob (no admin) signs a newer picture himself and sends it with the log: alice keeps hers
    const before = (await alice.group(id)).picture
    const record = await bob.store.groups.get(id) as GroupRecord
    const forged = await signPicture({ groupId: Buffer.from(id, 'hex'), author: bob.node.accountKey, signer: bob.node.signer, setAt: Date.now() + 60_000, mime: 'image/png', image: PNG })
    const payload = GroupLogSnapshot.encode({ ops: GroupLogSnapshot.decode(record.log).ops, picture: forged })
    const applied = nextEvent(alice, 'group-updated', (d) => d.group.id === id, WAIT)
    await sendRawGroupContent(bob, alice, id, Content.Kind.GROUP_UPDATE, { groupPayload: payload })
    await applied
    expect((await alice.group(id)).picture).toEqual(before)
    // removing it: every member sees no picture
    const gone = groupState(bob, id, (g) => g.picture == null, WAIT)
    await alice.setGroupPicture(id, null)
    await gone
    expect(await bob.groupPicture(id)).toBeNull()
  }, 180_000)
})
