import { describe, expect, it } from 'vitest'
import { KeystoreFormatError, WrongPassphraseError } from '../../src/identity/errors.js'
import { openSecrets, sealSecrets, TEST_SCRYPT } from '../../src/identity/keystore.js'

describe('passphrase keystore', () => {
  const secrets = { account: new Uint8Array(32).fill(7), device: new Uint8Array(32).fill(9) }

  it('opens with the right passphrase', async () => {
    const text = await sealSecrets(secrets, 'right', TEST_SCRYPT)
    expect(await openSecrets(text, 'right')).toEqual(secrets)
  })

  it('never contains the secrets in clear', async () => {
    const text = await sealSecrets({ marker: new TextEncoder().encode('MARKER-SECRET-1234') }, 'pw', TEST_SCRYPT)
    expect(text).not.toContain('MARKER')
    expect(text).not.toContain(Buffer.from('MARKER-SECRET-1234').toString('base64').slice(0, 12))
  })

  it('a wrong passphrase is a typed error', async () => {
    const text = await sealSecrets(secrets, 'right', TEST_SCRYPT)
    await expect(openSecrets(text, 'wrong')).rejects.toBeInstanceOf(WrongPassphraseError)
    await expect(openSecrets(text, 'wrong')).rejects.toMatchObject({ code: 'ERR_WRONG_PASSPHRASE' })
  })

  it('a tampered header fails like a wrong passphrase (header is authenticated)', async () => {
    const file = JSON.parse(await sealSecrets(secrets, 'right', TEST_SCRYPT))
    file.kdf.p = 2
    await expect(openSecrets(JSON.stringify(file), 'right')).rejects.toBeInstanceOf(WrongPassphraseError)
  })

  it('garbage and hostile KDF parameters are format errors', async () => {
    await expect(openSecrets('not json', 'x')).rejects.toBeInstanceOf(KeystoreFormatError)
    await expect(openSecrets('{"format":"other"}', 'x')).rejects.toBeInstanceOf(KeystoreFormatError)
    const file = JSON.parse(await sealSecrets(secrets, 'right', TEST_SCRYPT))
    file.kdf.N = 2 ** 30
    await expect(openSecrets(JSON.stringify(file), 'right')).rejects.toBeInstanceOf(KeystoreFormatError)
  })
})
