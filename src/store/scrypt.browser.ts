import { scryptAsync } from '@noble/hashes/scrypt.js'
import type { ScryptParams } from './scrypt.js'

export type { ScryptParams } from './scrypt.js'

/** scrypt(password, salt) → 32 bytes, in the browser: @noble/hashes (yields to the event loop while it runs). */
export async function scrypt32 (password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return await scryptAsync(password, salt, { ...params, dkLen: 32, maxmem: 2 ** 31 })
}
