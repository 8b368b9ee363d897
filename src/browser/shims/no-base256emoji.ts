/**
 * Build-time stand-in (see scripts/build-browser.mjs) for multiformats' `base256emoji` base,
 * which `multiformats/basics` (through `uint8arrays`' named encodings) pulls in with its
 * 256-emoji alphabet (≈1 KiB gzip, incompressible). Nothing in Parley or the libp2p modules it
 * bundles encodes to or decodes from it; doing so throws.
 */

const NAME = 'base256emoji'
const PREFIX = '🚀'

function unsupported (): never {
  throw new Error('base256emoji is not supported by the Parley browser build')
}

const decoder = {
  name: NAME,
  prefix: PREFIX,
  baseDecode: unsupported,
  decode: unsupported,
  or: unsupported
}

export const base256emoji = {
  name: NAME,
  prefix: PREFIX,
  baseEncode: unsupported,
  baseDecode: unsupported,
  encode: unsupported,
  decode: unsupported,
  encoder: { name: NAME, prefix: PREFIX, baseEncode: unsupported, encode: unsupported },
  decoder,
  or: unsupported
}
