#!/usr/bin/env node
// Regenerates the protons codecs for every src/wire/*.proto (`npm run proto`).
// protons 9 types bytes fields as Uint8Array<ArrayBuffer>; we loosen them to Uint8Array so that
// bytes from @noble/* (Uint8Array<ArrayBufferLike>) can be assigned without copies.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('../src/wire/', import.meta.url).pathname
const protos = readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => join(dir, f))
execFileSync(join(dir, '../../node_modules/.bin/protons'), protos, { stdio: 'inherit' })
for (const proto of protos) {
  const ts = proto.replace(/\.proto$/, '.ts')
  writeFileSync(ts, stripStreamDecoders(readFileSync(ts, 'utf8').replaceAll('Uint8Array<ArrayBuffer>', 'Uint8Array')))
}

/**
 * Replaces the body of every protons streaming decoder (`}, function * (reader, …) { … })`) with
 * an empty generator: Parley never stream-decodes, and those bodies were a third of the browser
 * bundle's codec bytes. `decode`/`encode` are untouched.
 */
export function stripStreamDecoders (source) {
  const marker = '}, function * (reader, length, prefix, opts = {}) {'
  let out = ''
  let index = 0
  while (true) {
    const at = source.indexOf(marker, index)
    if (at === -1) break
    const open = at + marker.length - 1
    let depth = 0
    let end = open
    for (; end < source.length; end++) {
      if (source[end] === '{') depth++
      else if (source[end] === '}' && --depth === 0) break
    }
    out += source.slice(index, at) + '}, function * () {}'
    index = end + 1
  }
  return out + source.slice(index)
}
