import { scrypt as nodeScrypt } from 'node:crypto'

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. @default 2 ** 15 */
  N: number
  /** Block size. @default 8 */
  r: number
  /** Parallelism. @default 1 */
  p: number
}

/**
 * scrypt(password, salt) → 32 bytes, in Node: OpenSSL's scrypt on libuv's thread pool. It is the
 * same function as @noble/hashes' (the browser's `scrypt.browser.ts`), about 4× faster, and it
 * leaves the main thread free (a daemon imports its network modules meanwhile). The cost is
 * checked by the caller (passphrase-keyring.ts); `maxmem` only lifts Node's 32 MiB default.
 */
export async function scrypt32 (password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const { N, r, p } = params
  return await new Promise((resolve, reject) => {
    nodeScrypt(password, salt, 32, { N, r, p, maxmem: 2 ** 31 }, (err, key) => {
      if (err != null) reject(err)
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))
    })
  })
}
