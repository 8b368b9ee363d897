import { describe, expect, it } from 'vitest'
import { channelId, formatChannelLink } from '../../src/identity/channel/index.js'
import { generateSigningKeyPair } from '../../src/identity/keys.js'
import { parseRelayConfig } from '../../src/relay/config/index.js'

describe('relay config: channels', () => {
  it('keeps nothing by default; takes "all", ids and links (reduced to ids) and the limits', () => {
    expect(parseRelayConfig({}).channels.keep).toEqual([])
    const key = generateSigningKeyPair().publicKey
    const config = parseRelayConfig({ channels: { keep: [channelId(key), formatChannelLink({ channelKey: key, name: 'n' })], retention: 1000, maxBytes: 5000, maxBytesPerChannel: 100, maxChannels: 3, reconcileIntervalMs: 0 } })
    expect(config.channels).toEqual({ keep: [channelId(key), channelId(key)], retention: 1000, maxBytes: 5000, maxBytesPerChannel: 100, maxChannels: 3, reconcileIntervalMs: 0 })
    expect(parseRelayConfig({ channels: { keep: 'all' } }).channels.keep).toBe('all')
  })

  it('refuses what it does not understand, naming the field', () => {
    for (const [channels, field] of [
      [{ keep: 'some' }, 'channels.keep'], [{ keep: ['not-an-id'] }, 'channels.keep[0]'], [{ maxBytes: -1 }, 'channels.maxBytes'],
      [{ retention: 1.5 }, 'channels.retention'], [{ colour: 'red' }, 'channels.colour'], ['all', 'channels']
    ] as const) {
      expect(() => parseRelayConfig({ channels })).toThrow(expect.objectContaining({ code: 'ERR_RELAY_CONFIG', message: expect.stringContaining(field) }))
    }
  })
})
