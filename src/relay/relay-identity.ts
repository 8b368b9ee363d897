import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { AbortOptions, PrivateKey } from '@libp2p/interface'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from './errors.js'

/** File holding the relay's libp2p private key (protobuf), mode 0600. */
export const RELAY_KEY_FILE = 'relay-key'

/**
 * Loads the relay's libp2p key from `dataDir`, creating an Ed25519 key on first start, so the
 * relay keeps its PeerId (and the addresses clients hold) across restarts.
 *
 * @example
 * ```ts
 * const key = await loadOrCreateRelayKey('/var/lib/parley-relay')
 * ```
 */
export async function loadOrCreateRelayKey (dataDir: string, options: AbortOptions = {}): Promise<PrivateKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, RELAY_KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = new Uint8Array(await readFile(path, { signal: options.signal }))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError('dataDir', `cannot read ${path}: ${(err as Error).message}`)
  }
  if (bytes != null) {
    try { return privateKeyFromProtobuf(bytes) } catch (err) { throw new ConfigError('dataDir', `${path} is not a libp2p private key: ${(err as Error).message}`) }
  }
  const key = await generateKeyPair('Ed25519')
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return key
}
