import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { tempDir } from '../helpers/network.js'
import { runCli, spawnCli, spawnCliInPty, startDaemon, startRelay, tapEvents, type EventTap, type TestDaemon, type Watched } from '../daemon/helpers.js'

describe('parley CLI against two real daemons', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: (Watched & { multiaddr: string }) | undefined
  let alice: TestDaemon | undefined
  let bob: TestDaemon | undefined
  let bobEvents: EventTap | undefined
  let aliceEvents: EventTap | undefined
  const home = (name: string): string => join(dir.path, name)
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli(args)
    if (r.code !== 0) throw new Error(`parley ${args.join(' ')} → ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  beforeAll(async () => {
    dir = await tempDir('parley-cli-')
    const [r, initA, initB, initC] = await Promise.all([
      startRelay(dir.path),
      runCli(['init', '--home', home('alice')]),
      runCli(['--home', home('bob'), 'init']),
      runCli(['init'], { env: { PARLEY_HOME: home('carol'), PARLEY_PASSPHRASE: 'carol passphrase' } })
    ])
    relay = r
    for (const init of [initA, initB, initC]) expect(init.code, init.stderr).toBe(0)
    expect(initA.stdout).toMatch(/^account: \w+\ninvite: +parley:\w+/)
    alice = await startDaemon(home('alice'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr])
    bob = await startDaemon(home('bob'), ['--relay', relay.multiaddr, '--bootstrap', relay.multiaddr, '--bootstrap', alice.multiaddr])
    bobEvents = await tapEvents(bob.apiUrl, (await readFile(join(home('bob'), 'api-token'), 'utf8')).trim())
    aliceEvents = await tapEvents(alice.apiUrl, (await readFile(join(home('alice'), 'api-token'), 'utf8')).trim())
  })

  afterAll(async () => {
    bobEvents?.close()
    aliceEvents?.close()
    await Promise.all([alice?.stop(), bob?.stop(), relay?.stop()])
    await dir?.cleanup()
  })

  it('init printed the account and an invite link; a second init is refused', async () => {
    const again = await runCli(['init', '--home', home('alice')])
    expect(again.code).toBe(EXIT.conflict)
    expect(again.stderr).toContain('ERR_ACCOUNT_EXISTS')
    expect(alice!.lines.some((l) => l.startsWith('api:') && l.includes('http://127.0.0.1:'))).toBe(true)
    expect(alice!.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#login=[\w-]+$/)
    expect((await stat(join(home('alice'), 'api-token'))).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(join(home('alice'), 'daemon.json'), 'utf8')).url).toBe(alice!.apiUrl)
  })

  it('adds contacts both ways, sends, lists, deletes for everyone', async () => {
    const bobInvite = (await cli('id', '--home', home('bob'))).split('\n')[1]
    expect(bobInvite).toMatch(/^parley:/)
    expect(await cli('contacts', 'add', bobInvite, '--name', 'Bob', '--home', home('alice'))).toContain(bob!.address)
    expect(await cli('--home', home('bob'), 'contacts', 'add', alice!.address, '--name', 'Alice')).toContain(alice!.address)
    expect(await cli('contacts', 'list', '--home', home('alice'))).toMatch(new RegExp(`^Bob\\t${bob!.address}`))

    const arrived = bobEvents!.next('message', (d) => d.message.text === 'hello bob')
    const sent = (await cli('send', 'bob', 'hello bob', '--wait', '--home', home('alice'))).trim().split('\n')
    expect(sent[0]).toMatch(/^[0-9a-f]+$/)
    expect(['sent', 'stored', 'delivered', 'read']).toContain(sent[1])
    const id = sent[0]
    expect((await arrived).message.id).toBe(id)

    const onBob = JSON.parse(await cli('messages', 'Alice', '--json', '--home', home('bob'))) as Array<{ id: string, text: string, direction: string }>
    expect(onBob.find((m) => m.id === id)).toMatchObject({ text: 'hello bob', direction: 'in' })
    expect(await cli('messages', bob!.address, '--home', home('alice'))).toMatch(/\] me: hello bob .*\(/)

    const deleted = bobEvents!.next('messages-deleted', (d) => d.ids.includes(id))
    expect(await cli('delete', 'Bob', id, '--for-everyone', '--home', home('alice'))).toContain('for everyone')
    await deleted
    const after = JSON.parse(await cli('messages', 'Alice', '--json', '--home', home('bob'))) as Array<{ id: string }>
    expect(after.some((m) => m.id === id)).toBe(false)
  })

  it('status --json reports peers, relays, DHT, outbox, versions', async () => {
    const status = JSON.parse(await cli('status', '--json', '--home', home('alice')))
    expect(status).toMatchObject({ address: alice!.address, version: expect.any(String), daemonVersion: expect.any(String), outbox: expect.any(Number), dhtTableSize: expect.any(Number), api: alice!.apiUrl })
    expect(status.peers).toBeGreaterThanOrEqual(1)
    expect(status.relays).toEqual([relay!.multiaddr])
  })

  it('exits with shell-friendly codes', async () => {
    const wrongFile = join(dir.path, 'wrong-passphrase.txt')
    await writeFile(wrongFile, 'also wrong\n')
    // the two wrong-passphrase runs open carol's store one after the other: run together, one
    // could find the database locked by the other instead of testing the passphrase
    const wrongViaFile = await runCli(['--passphrase-file', wrongFile, 'daemon', '--home', home('carol'), '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { env: { PARLEY_PASSPHRASE: 'carol passphrase' } })
    const [noDaemon, notFound, badTtl, unknown, badSetting, help, wrong, noAccount, twice] = await Promise.all([
      runCli(['status', '--home', home('carol')]),
      runCli(['send', 'nobody', 'hi', '--home', home('alice')]),
      runCli(['send', 'Bob', 'hi', '--ttl', 'soon', '--home', home('alice')]),
      runCli(['frobnicate']),
      runCli(['settings', 'set', 'inactivity', '2m', '--home', home('alice')]),
      runCli(['send', '--help']),
      runCli(['daemon', '--home', home('carol'), '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { env: { PARLEY_PASSPHRASE: 'not the passphrase' } }),
      runCli(['daemon', '--no-create', '--home', home('nobody'), '--api', '127.0.0.1:0']),
      runCli(['daemon', '--home', home('alice'), '--api', '127.0.0.1:0'])
    ])
    expect(wrongViaFile.code).toBe(EXIT.wrongPassphrase)
    expect(noDaemon.code).toBe(EXIT.noDaemon)
    expect(noDaemon.stderr).toContain('No daemon is running')
    expect(notFound.code).toBe(EXIT.notFound)
    expect(badTtl.code).toBe(EXIT.usage)
    expect(unknown.code).toBe(EXIT.usage)
    expect(badSetting.code).toBe(EXIT.usage)
    expect(help.code).toBe(EXIT.ok)
    expect(help.stdout).toContain('--reply-to')
    expect(wrong.code).toBe(EXIT.wrongPassphrase)
    expect(wrong.stderr).toContain('ERR_WRONG_PASSPHRASE')
    expect(noAccount.code).toBe(EXIT.noAccount)
    expect(twice.code).toBe(EXIT.conflict)
    expect(twice.stderr).toContain('ERR_DAEMON_RUNNING')
  })

  it('renames, blocks and unblocks a contact', async () => {
    expect(await cli('contacts', 'rename', 'Bob', 'Robert', '--home', home('alice'))).toMatch(/^Robert\t/)
    expect(await cli('contacts', 'block', 'robert', '--home', home('alice'))).toContain('blocked Robert')
    expect(await cli('contacts', 'list', '--home', home('alice'))).toMatch(/Robert\t\w+\tblocked/)
    expect(await cli('contacts', 'unblock', 'Robert', '--home', home('alice'))).toContain('unblocked')
    expect(await cli('contacts', 'rename', bob!.address, 'Bob', '--home', home('alice'))).toMatch(/^Bob\t/)
  })

  it('changes settings and verifies a contact by safety number', async () => {
    expect(await cli('settings', 'set', 'inactivity', '3m', '--home', home('alice'))).toContain('inactivity set to 3m')
    const shown = await cli('contacts', 'verify', 'Bob', '--home', home('alice'))
    expect(shown).toMatch(/(\d{5} ){3}\d{5}/)
    expect(shown).toContain('unverified')
    expect(await cli('contacts', 'verify', 'Bob', '--confirm', '--home', home('alice'))).toContain('now verified')
    expect(await cli('contacts', 'list', '--home', home('alice'))).toMatch(/Bob\t\w+\tverified/)
  })

  it('sends disappearing messages and replies with --ttl and --reply-to', async () => {
    const arrived = bobEvents!.next('message', (d) => d.message.text === 'gone soon')
    const id = (await cli('send', 'Bob', 'gone soon', '--ttl', '1h', '--home', home('alice'))).trim()
    const { message } = await arrived
    expect(message.id).toBe(id)
    expect(message.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000)
    const reply = bobEvents!.next('message', (d) => d.message.text === 'a reply')
    await cli('send', 'Bob', 'a reply', '--reply-to', id, '--home', home('alice'))
    expect((await reply).message.replyTo).toBe(id)
  })

  it('runs a secret chat: start, accept, send --secret, close', async () => {
    const incoming = bobEvents!.next('conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming')
    const activeOnAlice = aliceEvents!.next('conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'active')
    expect(await cli('secret', 'start', 'Bob', '--home', home('alice'))).toMatch(/^[0-9a-f]+ pending$/m)
    await incoming
    expect(await cli('secret', 'accept', 'Alice', '--home', home('bob'))).toMatch(/ active$/m)
    await activeOnAlice
    const secretMessage = bobEvents!.next('message', (d) => d.message.text === 'for your eyes only')
    const secretId = (await cli('send', 'Bob', 'for your eyes only', '--secret', '--home', home('alice'))).trim()
    expect((await secretMessage).message.forwardable).toBe(false)
    // forwarding a secret-chat message is refused, on either side
    for (const [who, peer] of [['alice', 'Bob'], ['bob', 'Alice']]) {
      const refused = await runCli(['forward', peer, secretId, peer, '--secret', '--home', home(who)])
      expect(refused.code).toBe(EXIT.conflict)
      expect(refused.stderr).toContain('ERR_NOT_FORWARDABLE')
    }
    expect(await cli('secret', 'close', 'Bob', '--home', home('alice'))).toContain('closed')
  })

  it('chat: an interactive session sends lines and shows incoming messages live', async () => {
    const chat = spawnCli(['chat', 'Bob', '--home', home('alice')])
    try {
      await chat.line(/^chatting with Bob/)
      const got = bobEvents!.next('message', (d) => d.message.text === 'typed in chat')
      chat.write('typed in chat\n')
      await got
      await cli('send', 'Alice', 'answer to chat', '--home', home('bob'))
      expect(await chat.line(/Bob: answer to chat/)).toMatch(/^\[.*\] Bob: answer to chat/)
      chat.write('/quit\n')
      expect(await chat.exit).toBe(0)
    } finally {
      await chat.stop()
    }
  })

  it('chat under a pseudo-terminal: a typed line is delivered, the reply appears live', async () => {
    const chat = spawnCliInPty(['chat', 'Bob', '--home', home('alice')])
    try {
      await chat.waitFor(/chatting with Bob/)
      const got = bobEvents!.next('message', (d) => d.message.text === 'typed at a real terminal')
      chat.write('typed at a real terminal\r')
      await got
      await cli('send', 'Alice', 'reply seen in the terminal', '--home', home('bob'))
      await chat.waitFor(/Bob: reply seen in the terminal/)
      chat.write('/quit\r')
      expect(await chat.exit).toBe(0)
    } finally {
      chat.kill()
    }
  })

  it('a disappearing message is gone on both sides after its lifetime', async () => {
    const arrived = bobEvents!.next('message', (d) => d.message.text === 'vanishing in 3s')
    await cli('send', 'Bob', 'vanishing in 3s', '--ttl', '3s', '--home', home('alice'))
    await arrived
    expect(await cli('messages', 'Alice', '--home', home('bob'))).toContain('vanishing in 3s')
    const deadline = Date.now() + 20_000
    while ((await cli('messages', 'Alice', '--home', home('bob'))).includes('vanishing in 3s') ||
      (await cli('messages', 'Bob', '--home', home('alice'))).includes('vanishing in 3s')) {
      if (Date.now() > deadline) throw new Error('the message did not disappear')
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })

  it('offline delivery: bob stops, alice sends (stored at the relay), bob comes back and has it', async () => {
    bobEvents?.close()
    expect(await bob!.stop()).toBe(0)
    const sent = (await cli('send', 'Bob', 'while you were away', '--wait', '--home', home('alice'))).trim().split('\n')
    expect(sent[1]).toBe('stored')
    bob = await startDaemon(home('bob'), ['--relay', relay!.multiaddr, '--bootstrap', relay!.multiaddr])
    bobEvents = await tapEvents(bob.apiUrl, (await readFile(join(home('bob'), 'api-token'), 'utf8')).trim())
    const deadline = Date.now() + 30_000
    while (!(await cli('messages', 'Alice', '--home', home('bob'))).includes('while you were away')) {
      if (Date.now() > deadline) throw new Error('bob never got the message held by the relay')
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })

  it('stops cleanly on SIGTERM and removes its discovery and token files', async () => {
    const code = await bob!.stop()
    expect(code).toBe(0)
    expect(bob!.lines.at(-1)).toBe('stopped')
    await expect(stat(join(home('bob'), 'daemon.json'))).rejects.toThrow()
    await expect(stat(join(home('bob'), 'api-token'))).rejects.toThrow()
    expect((await runCli(['status', '--home', home('bob')])).code).toBe(EXIT.noDaemon)
    // the address is public: `parley id` still answers, from <home>/account.json
    const id = await runCli(['id', '--home', home('bob')])
    expect(id.code).toBe(0)
    expect(id.stdout.split('\n')[0]).toBe(bob!.address)
  })

  it('account delete wipes the account and stops the daemon', async () => {
    expect((await runCli(['account', 'delete', '--home', home('alice')])).code).toBe(EXIT.usage) // no --yes, no terminal
    expect(await cli('account', 'delete', '--yes', '--home', home('alice'))).toContain('deleted')
    expect(await alice!.line(/^stopped$/)).toBe('stopped')
    expect(await new Promise((resolve) => { alice!.child.once('exit', resolve); if (alice!.child.exitCode != null) resolve(alice!.child.exitCode) })).toBe(0)
    const restart = await runCli(['daemon', '--no-create', '--home', home('alice'), '--api', '127.0.0.1:0'])
    expect(restart.code).toBe(EXIT.noAccount)
  })
})
