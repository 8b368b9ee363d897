import { describe, expect, it } from 'vitest'
import { parseApiAddress } from '../../src/cli/commands/daemon.js'
import { relayArgs } from '../../src/cli/commands/relay.js'
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js'
import { formatDuration, parseDuration } from '../../src/cli/duration.js'
import { readSse } from '../../src/cli/sse-client.js'

describe('CLI argument helpers', () => {
  it('parses durations and rejects junk', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1.5h')).toBe(5_400_000)
    expect(parseDuration('2w')).toBe(1_209_600_000)
    expect(parseDuration('45')).toBe(45_000)
    expect(() => parseDuration('soon')).toThrow(/not a duration/)
    expect(formatDuration(90_000)).toBe('1m30s')
  })

  it('parses --api addresses', () => {
    expect(parseApiAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseApiAddress('[::1]:7733')).toEqual({ host: '::1', port: 7733 })
    expect(parseApiAddress(':8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseApiAddress('9000')).toEqual({ host: '127.0.0.1', port: 9000 })
    expect(() => parseApiAddress('localhost:99999')).toThrow(/HOST:PORT/)
  })

  it('finds the relay arguments wherever global options stand', () => {
    expect(relayArgs(['relay', '--config', 'r.json'])).toEqual(['--config', 'r.json'])
    expect(relayArgs(['--home', 'relay', 'relay', '--config', 'r.json', '--listen', '/ip4/127.0.0.1/tcp/0'])).toEqual(['--config', 'r.json', '--listen', '/ip4/127.0.0.1/tcp/0'])
  })

  it('maps error codes to exit codes', () => {
    expect(exitCodeFor('ERR_NO_DAEMON')).toBe(EXIT.noDaemon)
    expect(exitCodeFor('ERR_WRONG_PASSPHRASE')).toBe(EXIT.wrongPassphrase)
    expect(exitCodeFor('ERR_CONVERSATION_NOT_FOUND')).toBe(EXIT.notFound)
    expect(exitCodeFor('ERR_DAEMON_RUNNING')).toBe(EXIT.conflict)
    expect(exitCodeFor('ERR_SOMETHING')).toBe(EXIT.failure)
  })

  it('parses an event stream split across chunks', async () => {
    const text = 'retry: 2000\n\n: ping\n\nid: 1\nevent: ready\ndata: {"a":1}\n\nid: 2\nevent: message\ndata: {"b":'
    const rest = '2}\n\n'
    const body = new ReadableStream<Uint8Array>({
      start (controller) {
        controller.enqueue(new TextEncoder().encode(text))
        controller.enqueue(new TextEncoder().encode(rest))
        controller.close()
      }
    })
    const events = []
    for await (const e of readSse(body)) events.push(e)
    expect(events).toEqual([{ event: 'ready', data: { a: 1 } }, { event: 'message', data: { b: 2 } }])
  })
})
