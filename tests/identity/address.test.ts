import { describe, expect, it } from 'vitest'
import { decodeAddress, encodeAddress, isAddress } from '../../src/identity/address.js'
import { InvalidAddressError } from '../../src/identity/errors.js'
import { generateAccountKeys } from '../../src/identity/keys.js'

describe('account addresses', () => {
  it('round-trips an account key', () => {
    const { account } = generateAccountKeys()
    const address = encodeAddress(account.publicKey)
    expect(decodeAddress(address)).toEqual(account.publicKey)
    expect(isAddress(address)).toBe(true)
  })

  it('catches every single-character typo with the checksum', () => {
    const address = encodeAddress(generateAccountKeys().account.publicKey)
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    let tried = 0
    for (let i = 0; i < address.length; i += 3) {
      const replacement = alphabet[(alphabet.indexOf(address[i]) + 1) % alphabet.length]
      const typo = address.slice(0, i) + replacement + address.slice(i + 1)
      expect(() => decodeAddress(typo)).toThrow(InvalidAddressError)
      tried++
    }
    expect(tried).toBeGreaterThan(10)
  })

  it('refuses foreign strings with a typed error', () => {
    for (const bad of ['', 'hello', '0OIl', 'x'.repeat(500), encodeAddress(new Uint8Array(32)).slice(0, -2)]) {
      expect(() => decodeAddress(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
    }
  })
})
