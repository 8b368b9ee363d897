/**
 * `IdbBlobs` on Chromium's real IndexedDB: a download cut after 3 pieces resumes after them once
 * the database is opened again (a reload), a torn or wrong piece is not counted as held, a
 * complete blob is served by digest, and delete and wipe leave nothing behind.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { IdbBlobs } from '../../src/browser/idb-blobs.js'
import { sealInMemory } from '../helpers/blobs.js'

const ID = 'ab'.repeat(16)

describe('IdbBlobs (IndexedDB)', () => {
  const opened: IdbBlobs[] = []
  const open = (name: string): IdbBlobs => { const b = new IdbBlobs(name); opened.push(b); return b }
  afterEach(async () => { await Promise.all(opened.splice(0).map(async (b) => b.close())) })

  it('resumes a download after the verified pieces held, across a reopen; a wrong piece is not held', async () => {
    const name = `idb-blobs-${Math.random().toString(36).slice(2)}`
    const blob = await sealInMemory(1_200_000, 9)
    expect(blob.pieces.length).toBe(5)
    let store = open(name)
    let writer = await store.writer(ID, blob.summary.digest, blob.summary)
    expect(writer.have).toBe(0)
    for (let i = 0; i < 3; i++) await writer.write(i, blob.pieces[i])
    // a piece torn by a crash: the right length, the wrong bytes
    await writer.write(3, new Uint8Array(blob.pieces[3].length).fill(1))
    await writer.abort()
    await store.close()
    opened.length = 0

    store = open(name)
    writer = await store.writer(ID, blob.summary.digest, blob.summary)
    expect(writer.have).toBe(3)
    for (let i = writer.have; i < blob.pieces.length; i++) await writer.write(i, blob.pieces[i])
    await writer.complete()
    expect((await store.manifest(ID))?.pieceDigests.map(toHex)).toEqual(blob.summary.pieceDigests.map(toHex))
    const served = store.provider()
    for (let i = 0; i < blob.pieces.length; i++) expect(await served.readPiece(blob.summary.digest, i)).toEqual(blob.pieces[i])
    expect(await served.readPiece(blob.summary.digest, blob.pieces.length)).toBeUndefined()

    await store.delete(ID)
    expect(await store.manifest(ID)).toBeUndefined()
    expect(await store.readPiece(ID, 0)).toBeUndefined()
    expect(await served.manifest(blob.summary.digest)).toBeUndefined()
    const again = await store.writer(ID, blob.summary.digest, blob.summary)
    expect(again.have).toBe(0)
    await store.wipe()
    expect(await store.readPiece(ID, 0)).toBeUndefined()
  })
})
