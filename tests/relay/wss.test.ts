import 'reflect-metadata' // @peculiar/x509 needs it (as @libp2p/webrtc does)
import { webcrypto } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as x509 from '@peculiar/x509'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { ConfigError } from '../../src/relay/errors.js'
import { loadRelayConfig, parseRelayArgs, parseRelayConfig } from '../../src/relay/config/index.js'
import type { Relay } from '../../src/relay/relay.js'
import { tempDir } from '../helpers/network.js'
import { killGroup, spawnScript, type ScriptProcess } from '../helpers/processes.js'
import { hex, makeOwner, startClient, startTestRelay } from './helpers.js'

/** A self-signed certificate for 127.0.0.1 and its PKCS#8 key, PEM. */
async function selfSigned (): Promise<{ cert: string, key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto)
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=127.0.0.1',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])]
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')
  return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` }
}

describe('secure WebSockets (/tls/ws) served by the relay itself', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  let certFile: string
  let keyFile: string
  const children: ScriptProcess[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-relay-wss-')
    const { cert, key } = await selfSigned()
    certFile = join(dir.path, 'cert.pem')
    keyFile = join(dir.path, 'key.pem')
    await writeFile(certFile, cert)
    await writeFile(keyFile, key)
    relay = await startTestRelay(join(dir.path, 'relay'), {
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/tls/ws'],
      tls: { certFile, keyFile }
    })
  })

  afterAll(async () => {
    await Promise.all(children.map(async (c) => killGroup(c.child)))
    await relay?.stop()
    await dir?.cleanup()
  })

  const depositFromChild = async (address: string, recipient: Uint8Array, env: Record<string, string>): Promise<string> => {
    const child = spawnScript('tests/relay/wss-client-entry.ts', [address, hex(recipient)], env)
    children.push(child)
    return await child.waitForLine((l) => l.startsWith('deposited') || l.startsWith('failed'), 40_000)
  }

  it('a client that trusts the certificate deposits over wss; one that does not is stopped by TLS', async () => {
    const secure = relay.multiaddrs.map(String).find((a) => a.includes('/tls/ws/'))
    expect(secure).toBeDefined()
    const owner = makeOwner()
    // a client process that trusts the certificate, as a browser would with a real one
    expect(await depositFromChild(secure!, owner.deviceKey, { NODE_EXTRA_CA_CERTS: certFile })).toMatch(/^deposited \/ip4\/127\.0\.0\.1\/tcp\/\d+\/tls\/ws\//)
    // operators alert on the certificate's expiry
    expect(relay.metrics.render()).toMatch(/^parley_relay_tls_certificate_expiry_seconds \d{10}$/m)
    const reader = new MailboxClient(await startClient())
    expect((await reader.fetch(relay.multiaddrs[0], owner)).envelopes).toHaveLength(1)
    // one that does not trust it never gets a stream: nothing more is stored
    // (the same process and arguments; only the trusted certificate is missing)
    expect(await depositFromChild(secure!, owner.deviceKey, {})).toMatch(/^failed ERR_RELAY_UNREACHABLE/)
    expect((await reader.fetch(relay.multiaddrs[0], owner)).envelopes).toHaveLength(1)
    await reader.stop()
  }, 90_000)

  it('refuses to start without a usable certificate: a /tls/ws address alone, unreadable files, a key of another certificate', async () => {
    const fieldOf = async (run: () => Promise<unknown>): Promise<string> => {
      try { await run() } catch (err) { expect(err).toBeInstanceOf(ConfigError); return (err as ConfigError).field }
      return 'none'
    }
    expect(await fieldOf(async () => parseRelayConfig({ listen: ['/ip4/127.0.0.1/tcp/0/tls/ws'] }))).toBe('tls')
    expect(await fieldOf(async () => parseRelayConfig({ listen: ['/ip4/127.0.0.1/tcp/0/wss'] }))).toBe('tls')
    expect(await fieldOf(async () => parseRelayConfig({ listen: ['/ip4/127.0.0.1/tcp/0/tls/sni/relay.example/ws'] }))).toBe('tls')
    expect(await fieldOf(async () => parseRelayArgs(['--tls-cert=']))).toBe('--tls-cert')
    expect(await fieldOf(async () => parseRelayConfig({ tls: { certFile: 'a.pem' } }))).toBe('tls')
    expect(await fieldOf(async () => parseRelayArgs(['--tls-cert', 'a.pem']))).toBe('--tls-key')
    const flags = parseRelayArgs(['--tls-cert', certFile, '--tls-key', keyFile, '--listen', '/ip4/127.0.0.1/tcp/0/tls/ws'])
    expect((await loadRelayConfig(undefined, flags.overrides)).tls).toEqual({ certFile, keyFile })
    // a file that listens on /tls/ws, with the certificate given by flags
    const file = join(dir.path, 'relay.json')
    await writeFile(file, JSON.stringify({ listen: ['/ip4/127.0.0.1/tcp/0/tls/ws'] }))
    expect((await loadRelayConfig(file, parseRelayArgs(['--tls-cert', certFile, '--tls-key', keyFile]).overrides)).tls).toEqual({ certFile, keyFile })
    expect(await fieldOf(async () => loadRelayConfig(file))).toBe('tls')
    const start = async (tls: { certFile: string, keyFile: string }): Promise<string> => fieldOf(async () => {
      const r = await startTestRelay(join(dir.path, 'refused'), { listen: ['/ip4/127.0.0.1/tcp/0/tls/ws'], tls })
      await r.stop()
    })
    expect(await start({ certFile: join(dir.path, 'missing.pem'), keyFile })).toBe('tls.certFile')
    expect(await start({ certFile: keyFile, keyFile })).toBe('tls.certFile')
    const other = await selfSigned()
    const otherKey = join(dir.path, 'other-key.pem')
    await writeFile(otherKey, other.key)
    expect(await start({ certFile, keyFile: otherKey })).toBe('tls.keyFile')
  })
})
