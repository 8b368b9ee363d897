import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import type { GroupView } from '../../src/daemon/api-types.js'
import { tempDir } from '../helpers/network.js'
import { runCli, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from '../daemon/helpers.js'

describe('parley groups (CLI against real daemons)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let bobEvents: EventTap | undefined
  const home = (name: string): string => join(dir.path, name)
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli(args)
    if (r.code !== 0) throw new Error(`parley ${args.join(' ')} → ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  beforeAll(async () => {
    dir = await tempDir('parley-cli-groups-')
    const [r, initA, initB] = await Promise.all([startRelay(dir.path), runCli(['init', '--home', home('alice')]), runCli(['init', '--home', home('bob')])])
    relay = r
    for (const init of [initA, initB]) expect(init.code, init.stderr).toBe(0)
    alice = await startDaemon(home('alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(home('bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    bobEvents = await tapEvents(bob.apiUrl, (await readFile(join(home('bob'), 'api-token'), 'utf8')).trim())
  })

  afterAll(async () => {
    bobEvents?.close()
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('create, list, members, send and messages by group name, remove', async () => {
    await cli('contacts', 'add', bob!.address, '--name', 'Bob', '--home', home('alice'))
    const joined = bobEvents!.next('group-updated', (d) => d.group.name === 'Trip')
    const id = (await cli('groups', 'create', 'Trip', 'Bob', '--home', home('alice'))).trim()
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect((await joined).group.id).toBe(id)
    const listed = JSON.parse(await cli('groups', 'list', '--json', '--home', home('bob'))) as GroupView[]
    expect(listed.map((g) => g.name)).toEqual(['Trip'])
    const members = JSON.parse(await cli('groups', 'members', 'trip', '--json', '--home', home('alice'))) as GroupView['members']
    expect(members).toEqual(expect.arrayContaining([{ address: alice!.address, role: 'admin' }, { address: bob!.address, role: 'member' }]))

    const arrived = bobEvents!.next('message', (d) => d.message.text === 'to the group' && d.message.conversationId === id)
    await cli('send', 'Trip', 'to the group', '--home', home('alice'))
    await arrived
    const onBob = JSON.parse(await cli('messages', 'Trip', '--json', '--home', home('bob'))) as Array<{ text: string, sender: string }>
    expect(onBob.find((m) => m.text === 'to the group')?.sender).toBe(alice!.address)
    expect(await cli('messages', 'Trip', '--home', home('bob'))).toContain(`${alice!.address}: to the group`)

    // bob is no admin: removing alice is refused
    const refused = await runCli(['groups', 'remove', 'Trip', alice!.address, '--home', home('bob')])
    expect(refused.code).toBe(EXIT.conflict)
    expect(refused.stderr).toContain('ERR_NOT_GROUP_ADMIN')
    const out = bobEvents!.next('group-updated', (d) => d.group.id === id && d.group.self === 'removed')
    await cli('groups', 'remove', 'Trip', 'Bob', '--home', home('alice'))
    await out
    expect(await cli('groups', 'list', '--home', home('bob'))).toContain('removed')
    const missing = await runCli(['groups', 'members', 'Nope', '--home', home('alice')])
    expect(missing.code).toBe(EXIT.notFound)
  })

  it('invite by link: invite prints a link, join asks, requests lists, approve adds (bob was removed: approval)', async () => {
    const aliceEvents = await tapEvents(alice!.apiUrl, (await readFile(join(home('alice'), 'api-token'), 'utf8')).trim())
    try {
      const link = (await cli('groups', 'invite', 'Trip', '--expires', '2d', '--no-qr', '--home', home('alice'))).trim()
      expect(link).toMatch(/^parley:\/\/group\/[A-Za-z0-9_-]+$/)
      const links = JSON.parse(await cli('groups', 'links', 'Trip', '--json', '--home', home('alice'))) as Array<{ linkId: string, creator: string }>
      expect(links.map((l) => l.creator)).toEqual([alice!.address])
      const requested = aliceEvents.next('group-join-requested', (d) => d.address === bob!.address)
      expect(await cli('groups', 'join', link, '--home', home('bob'))).toContain('asked to join Trip')
      await requested
      const waiting = JSON.parse(await cli('groups', 'requests', 'Trip', '--json', '--home', home('alice'))) as Array<{ address: string }>
      expect(waiting.map((r) => r.address)).toEqual([bob!.address])
      const back = bobEvents!.next('group-updated', (d) => d.group.name === 'Trip' && d.group.self === 'member')
      await cli('groups', 'approve', 'Trip', 'Bob', '--home', home('alice'))
      await back
      const bad = await runCli(['groups', 'join', 'parley://group/AAAA', '--home', home('bob')])
      expect(bad.code).not.toBe(0)
      expect(bad.stderr).toContain('ERR_INVALID_GROUP_LINK')
    } finally {
      aliceEvents.close()
    }
  })
})
