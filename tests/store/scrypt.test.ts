import { scryptAsync } from '@noble/hashes/scrypt.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { scrypt32 } from '../../src/store/scrypt.js'

describe('scrypt32 (Node: OpenSSL on the thread pool)', () => {
  it('matches RFC 7914 §12 ("password", "NaCl", N=1024, r=8, p=16; first 32 bytes)', async () => {
    const key = await scrypt32(utf8ToBytes('password'), utf8ToBytes('NaCl'), { N: 1024, r: 8, p: 16 })
    expect(bytesToHex(key)).toBe('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162')
  })

  it('derives what @noble/hashes derives (the browser\'s scrypt), for the store\'s default cost too', async () => {
    const salt = utf8ToBytes('a salt of sixteen')
    for (const params of [{ N: 1024, r: 8, p: 1 }, { N: 2 ** 15, r: 8, p: 1 }, { N: 2048, r: 4, p: 2 }]) {
      const password = utf8ToBytes(`pass ${params.N} ${params.r} ${params.p} é`)
      const expected = await scryptAsync(password, salt, { ...params, dkLen: 32 })
      expect(bytesToHex(await scrypt32(password, salt, params))).toBe(bytesToHex(expected))
    }
  })

  it('rejects parameters OpenSSL refuses (N not a power of two) instead of deriving something', async () => {
    await expect(scrypt32(utf8ToBytes('x'), utf8ToBytes('y'), { N: 1000, r: 8, p: 1 })).rejects.toThrow()
  })
})
