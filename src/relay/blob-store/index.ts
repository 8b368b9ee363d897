/** The relay's blob store (docs/RELAY.md, "Blobs"): the interface, and the file-system backend. */
export type { BlobStore, BlobStoreLimits } from './types.js'
export { FileBlobStore, type FileBlobStoreOptions } from './file-blob-store.js'
