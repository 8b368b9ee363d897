import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `<home>/account.json`: this account's address and invite link, kept beside the encrypted
 * store so that `parley id` answers without a running daemon or the passphrase. Both are public
 * (they are what a user hands out); nothing secret is written here.
 */
export interface PublicAccount {
  address: string
  inviteLink: string
}

export const PUBLIC_ACCOUNT_FILE = 'account.json'

/** Writes (replaces) the home's public account file. */
export async function writePublicAccount (home: string, account: PublicAccount): Promise<void> {
  await writeFile(join(home, PUBLIC_ACCOUNT_FILE), JSON.stringify({ address: account.address, inviteLink: account.inviteLink }) + '\n', { mode: 0o600 })
}

/** The home's public account file, or undefined when there is none (or it is unreadable). */
export async function readPublicAccount (home: string): Promise<PublicAccount | undefined> {
  let text: string
  try { text = await readFile(join(home, PUBLIC_ACCOUNT_FILE), 'utf8') } catch { return undefined }
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json === 'object' && json != null && typeof (json as PublicAccount).address === 'string' && typeof (json as PublicAccount).inviteLink === 'string') {
      return { address: (json as PublicAccount).address, inviteLink: (json as PublicAccount).inviteLink }
    }
  } catch {}
  return undefined
}
