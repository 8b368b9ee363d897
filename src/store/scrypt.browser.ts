import type { ScryptParams } from './scrypt.js'

export type { ScryptParams } from './scrypt.js'

/**
 * scrypt(password, salt) → 32 bytes, in the browser: @noble/hashes (yields to the event loop while
 * it runs). Loaded with `import()` on first use: only a store with a passphrase runs it, so it
 * stays out of the browser's first load (docs/BROWSER.md, "Bundle size").
 */
export async function scrypt32 (password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const { scryptAsync } = await import('@noble/hashes/scrypt.js')
  return await scryptAsync(password, salt, { ...params, dkLen: 32, maxmem: 2 ** 31 })
}
