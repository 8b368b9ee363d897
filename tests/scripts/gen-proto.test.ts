/**
 * `npm run proto` (scripts/gen-proto.mjs) post-processes protons' output: streaming decoders
 * emptied and `stream()` exports dropped, which Parley never calls and which every browser chunk
 * carrying a codec would otherwise bundle (docs/BROWSER.md, "Bundle size").
 */
import { describe, expect, it } from 'vitest'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
// @ts-expect-error plain ESM script without type declarations
import { GENERATED_HEADER, stripStreamDecoders, stripStreamFunctions } from '../../scripts/gen-proto.mjs'

const wireDir = join(import.meta.dirname, '..', '..', 'src', 'wire')

const SAMPLE = `import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'

export namespace Outer {
  export namespace Inner {
    export function decode (buf: Uint8Array): Inner {
      return decodeMessage(buf, Inner.codec())
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Inner>): Generator<InnerFieldEvent> {
      return streamMessage(buf, Inner.codec(), opts)
    }
  }

  export function decode (buf: Uint8Array): Outer {
    return decodeMessage(buf, Outer.codec())
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Outer>): Generator<OuterFieldEvent> {
    return streamMessage(buf, Outer.codec(), opts)
  }
}
`

describe('gen-proto post-processing', () => {
  it('drops every stream() export, nested ones too, and the streamMessage import, and keeps decode', () => {
    const out: string = stripStreamFunctions(SAMPLE)
    expect(out).not.toContain('streamMessage')
    expect(out).not.toContain('function stream')
    expect(out).toContain("import { decodeMessage, encodeMessage, message } from 'protons-runtime'")
    expect(out.match(/export function decode/g)).toHaveLength(2)
    expect(out).toContain('return decodeMessage(buf, Inner.codec())\n    }\n  }\n')
  })

  it('the committed codecs are the script\'s output: no stream() exports, no stream decoder bodies', async () => {
    const codecs = (await readdir(wireDir)).filter((f) => f.endsWith('.ts'))
    expect(codecs.length).toBeGreaterThan(10)
    for (const file of codecs) {
      const source = await readFile(join(wireDir, file), 'utf8')
      expect(source.startsWith(GENERATED_HEADER), file).toBe(true)
      expect(stripStreamFunctions(stripStreamDecoders(source)), file).toBe(source)
    }
  })
})
