import { mkdir, readFile, rename, writeFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  generateAccountKeys, generateDeviceKeys, signingKeyPairFromSeed, dhKeyPairFromSecret,
  type AccountKeys, type DeviceKeys
} from '../identity/keys.js'
import { openSecrets, sealSecrets, type ScryptParams } from '../identity/keystore.js'
import { NoAccountError } from './errors.js'

/** File and folder names inside a Parley home directory. */
export const HOME_LAYOUT = {
  keystore: 'keystore.json',
  datastore: 'datastore',
  accountRecord: 'account-record.bin'
} as const

export interface HomeKeys {
  account: AccountKeys
  device: DeviceKeys
}

async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}

/** Writes a file atomically (temp file + rename) with the given mode. */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, path)
}

/** True when `home` holds an account keystore. */
export async function hasAccount (home: string): Promise<boolean> {
  return exists(join(home, HOME_LAYOUT.keystore))
}

/**
 * Opens the keys of a home directory, or creates them when `create` is set and none exist.
 * Throws WrongPassphraseError for a wrong passphrase and NoAccountError when there is no account.
 */
export async function loadOrCreateKeys (home: string, passphrase: string, options: { create?: boolean, scrypt?: ScryptParams } = {}): Promise<{ keys: HomeKeys, created: boolean }> {
  await mkdir(home, { recursive: true, mode: 0o700 })
  const keystorePath = join(home, HOME_LAYOUT.keystore)
  if (await exists(keystorePath)) {
    const secrets = await openSecrets(await readFile(keystorePath, 'utf8'), passphrase)
    return {
      created: false,
      keys: {
        account: { account: signingKeyPairFromSeed(secrets.account) },
        device: {
          libp2pSeed: secrets.libp2p,
          device: signingKeyPairFromSeed(secrets.device),
          identityDh: dhKeyPairFromSecret(secrets.identityDh)
        }
      }
    }
  }
  if (options.create !== true) throw new NoAccountError(`No account in ${home}: run \`parley init\` first`)
  const keys: HomeKeys = { account: generateAccountKeys(), device: generateDeviceKeys() }
  const text = await sealSecrets({
    account: keys.account.account.secretKey,
    libp2p: keys.device.libp2pSeed,
    device: keys.device.device.secretKey,
    identityDh: keys.device.identityDh.secretKey
  }, passphrase, options.scrypt)
  await writeFileAtomic(keystorePath, text)
  return { keys, created: true }
}

/** The last account record this device signed, if any. */
export async function readOwnRecord (home: string): Promise<Uint8Array | undefined> {
  try { return new Uint8Array(await readFile(join(home, HOME_LAYOUT.accountRecord))) } catch { return undefined }
}

export async function writeOwnRecord (home: string, record: Uint8Array): Promise<void> {
  await writeFileAtomic(join(home, HOME_LAYOUT.accountRecord), record, 0o644)
}
