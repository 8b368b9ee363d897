/**
 * The upload route's voice-note and picture fields (`durationMs`, `waveform`, `thumbnail`,
 * `width`, `height` in the query): parsed into `sendFile`'s options, hostile values refused
 * with ERR_INVALID_REQUEST before any byte is sealed. HTTP plumbing only: the messenger is the
 * stub of stub-messenger.ts with a recording `sendFile` (the real path runs in
 * web-ui-files.test.ts between two daemons).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/daemon/api-server.js'
import { writeTokenFile } from '../../src/daemon/auth-token.js'
import type { MessageView, MessengerApi, SendFileOptions } from '../../src/messenger/types.js'
import { stubMessenger } from './stub-messenger.js'

describe('POST /v1/conversations/{id}/files: voice-note and picture fields', () => {
  let api: ApiServer
  let home: string
  let token: string
  const calls: Array<{ options: SendFileOptions, bytes: number }> = []

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'parley-files-route-'))
    token = await writeTokenFile(home)
    const stub = stubMessenger()
    const sendFile: NonNullable<MessengerApi['sendFile']> = async (id, source, options = {}) => {
      let bytes = 0
      for await (const part of source as AsyncIterable<Uint8Array>) bytes += part.length
      calls.push({ options, bytes })
      return { id: 'm', conversationId: id, kind: 'file' } as unknown as MessageView
    }
    const messenger = new Proxy(stub, {
      get (target, prop, receiver) {
        if (prop === 'sendFile') return sendFile
        if (prop === 'downloadAttachment' || prop === 'readAttachment') return async () => { throw new Error('not in this test') }
        return Reflect.get(target, prop, receiver)
      }
    })
    api = await startApiServer({ messenger, token, port: 0 })
  })
  afterAll(async () => {
    await api?.close()
    await rm(home, { recursive: true, force: true })
  })

  const upload = async (query: string): Promise<{ status: number, code?: string }> => {
    const res = await fetch(`${api.url}/v1/conversations/${'a'.repeat(32)}/files?name=voice.webm&${query}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(1000)
    })
    const json = await res.json() as { error?: { code: string } }
    return { status: res.status, code: json.error?.code }
  }

  it('passes duration, waveform, thumbnail and size through to sendFile', async () => {
    const thumbnail = Uint8Array.from([0xff, 0xd8, 0xff, 0xfb, 0x3e, 0x3f])
    const waveform = Array.from({ length: 128 }, (_, i) => i * 2)
    const res = await upload(`mime=audio%2Fwebm%3Bcodecs%3Dopus&durationMs=2345&waveform=${waveform.join(',')}&thumbnail=${Buffer.from(thumbnail).toString('base64url')}&width=640&height=400`)
    expect(res.status).toBe(201)
    const { options, bytes } = calls.at(-1)!
    expect(bytes).toBe(1000)
    expect(options).toMatchObject({ name: 'voice.webm', mime: 'audio/webm;codecs=opus', durationMs: 2345, waveform, width: 640, height: 400 })
    expect(options.thumbnail).toEqual(thumbnail)
  })

  it('leaves the fields out when absent', async () => {
    expect((await upload('mime=text%2Fplain')).status).toBe(201)
    const { options } = calls.at(-1)!
    for (const field of ['durationMs', 'waveform', 'thumbnail', 'width', 'height']) expect(options).not.toHaveProperty(field)
  })

  it.each([
    ['a sample over 255', 'waveform=1,256,3'],
    ['129 samples', `waveform=${new Array(129).fill(1).join(',')}`],
    ['a negative sample', 'waveform=-1'],
    ['an empty sample', 'waveform=1,,2'],
    ['a fractional duration', 'durationMs=1.5'],
    ['a negative duration', 'durationMs=-5'],
    ['a duration over a day', `durationMs=${24 * 3600_000 + 1}`],
    ['a thumbnail that is not base64url', 'thumbnail=ab%2Bcd'],
    ['a width over 65535', 'width=70000'],
    ['a height in hex', 'height=0x10']
  ])('refuses %s before sealing anything', async (_what, query) => {
    const before = calls.length
    expect(await upload(query)).toEqual({ status: 400, code: 'ERR_INVALID_REQUEST' })
    expect(calls.length).toBe(before)
  })
})
