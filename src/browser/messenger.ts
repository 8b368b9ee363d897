/**
 * What `createParley` loads lazily, as one chunk of the browser bundle (docs/BROWSER.md,
 * "Bundle size"): the messenger, and the attachments' IndexedDB blob store beside it.
 */
export { createMessenger } from '../node/messenger.js'
export { IdbBlobs } from './idb-blobs.js'
