import { join } from 'node:path'
import { describe } from 'vitest'
import { tempDir } from '../helpers/network.js'
import { chatScenarios } from './chat-scenarios.js'
import { startTestMessenger, startTestRelay } from './helpers.js'

describe('chats between two messengers (Node: LevelDB, TCP)', () => {
  chatScenarios(async () => {
    const dir = await tempDir('parley-chats-')
    const relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    const alice = await startTestMessenger(dir.path, 'alice', relays)
    const bob = await startTestMessenger(dir.path, 'bob', relays)
    return {
      alice,
      bob,
      stop: async () => {
        await alice.stop()
        await bob.stop()
        await relay.stop()
        await dir.cleanup()
      }
    }
  })
})
