import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WrongPassphraseError } from '../../src/store/errors.js'
import { NoAccountError } from '../../src/node/errors.js'
import { openHomeNode } from '../../src/node/home.js'
import { LOOPBACK_LISTEN, startTestNode, tempDir, waitFor } from '../helpers/network.js'

describe('a node restarted with the same home directory', () => {
  it('keeps its PeerId, account address and peer store', async () => {
    const dir = await tempDir()
    const other = await startTestNode(join(dir.path, 'other'))
    try {
      const first = await startTestNode(join(dir.path, 'me'), { bootstrap: [other.multiaddrs[0].toString()] })
      expect(first.created).toBe(true)
      const { address } = first
      const peerId = first.peerId.toString()
      await waitFor(async () => first.libp2p.peerStore.has(other.peerId), 10_000, 'peer stored')
      await first.stop()

      const again = await openHomeNode({ home: join(dir.path, 'me'), passphrase: 'test passphrase', listen: LOOPBACK_LISTEN })
      try {
        expect(again.created).toBe(false)
        expect(again.address).toBe(address)
        expect(again.peerId.toString()).toBe(peerId)
        await again.libp2p.start()
        // the peer store came back from disk before any network activity
        const known = await again.libp2p.peerStore.get(other.peerId)
        expect(known.addresses.length).toBeGreaterThan(0)
      } finally {
        await again.stop()
      }
    } finally {
      await other.stop()
      await dir.cleanup()
    }
  })

  it('refuses a wrong passphrase and a missing account with typed errors, touching nothing', async () => {
    const dir = await tempDir()
    try {
      const node = await startTestNode(join(dir.path, 'me'))
      await node.stop()
      await expect(openHomeNode({ home: join(dir.path, 'me'), passphrase: 'nope' })).rejects.toBeInstanceOf(WrongPassphraseError)
      await expect(openHomeNode({ home: join(dir.path, 'empty'), passphrase: 'x' })).rejects.toBeInstanceOf(NoAccountError)
      // still opens with the right one
      const again = await openHomeNode({ home: join(dir.path, 'me'), passphrase: 'test passphrase', listen: LOOPBACK_LISTEN })
      await again.stop()
    } finally {
      await dir.cleanup()
    }
  })
})
