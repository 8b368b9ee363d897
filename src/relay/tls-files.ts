import type { AbortOptions } from '@libp2p/interface'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from './errors.js'

/** A certificate chain and its private key, PEM, checked to parse and to belong together. */
export interface TlsMaterial {
  cert: string
  key: string
  /** When the leaf certificate expires (ms since epoch). */
  notAfter: number
  /** The leaf certificate's subject alternative names, as OpenSSL prints them. */
  subjectAltName: string
}

/**
 * Reads the relay's secure-WebSockets certificate and key. Unreadable files, PEM that does not
 * parse, and a key that is not the certificate's are config errors naming the field, so the
 * relay refuses to start (exit code 2) instead of failing on the first TLS handshake.
 *
 * @example
 * ```ts
 * const tls = await readTlsFiles({ certFile: '/etc/parley/fullchain.pem', keyFile: '/etc/parley/privkey.pem' })
 * ```
 */
export async function readTlsFiles (files: { certFile: string, keyFile: string }, options: AbortOptions = {}): Promise<TlsMaterial> {
  const read = async (field: string, path: string): Promise<string> => {
    try {
      return await readFile(path, { encoding: 'utf8', signal: options.signal })
    } catch (err) {
      throw new ConfigError(field, `cannot read ${path}: ${(err as Error).message}`)
    }
  }
  const cert = await read('tls.certFile', files.certFile)
  const key = await read('tls.keyFile', files.keyFile)
  let leaf: X509Certificate
  try { leaf = new X509Certificate(cert) } catch (err) { throw new ConfigError('tls.certFile', `not a PEM certificate: ${(err as Error).message}`) }
  let privateKey: ReturnType<typeof createPrivateKey>
  try { privateKey = createPrivateKey(key) } catch (err) { throw new ConfigError('tls.keyFile', `not a PEM private key: ${(err as Error).message}`) }
  if (!leaf.checkPrivateKey(privateKey)) throw new ConfigError('tls.keyFile', 'is not the private key of tls.certFile')
  return { cert, key, notAfter: Date.parse(leaf.validTo), subjectAltName: leaf.subjectAltName ?? '' }
}
