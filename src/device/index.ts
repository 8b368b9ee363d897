/**
 * This device: its keys (account, device signing, identity DH, libp2p seed), its prekeys and its
 * own account record. Hands out {@link Signer}s, so the secret key bytes never leave this folder
 * through the signer path. Imports no `node/`, `p2p/`, `messenger/` or `relay/`.
 *
 * Device linking (`device-link.ts`) is imported from its own module, not re-exported here: the
 * browser's first load takes this index (through `ParleyNode`), and linking is needed only by
 * the lazily loaded messenger wiring and by `openHomeMessenger`.
 *
 * @packageDocumentation
 */
export {
  AccountRecords, type AccountRecordChanges, type AccountRecordsComponents, type AccountRecordsInit, type RecordDirectory
} from './account-records.js'
export { OWN_RECORD_SETTING } from './constants.js'
export {
  createDeviceKeysForLinking, loadOrCreateIdentity, storeAccountSecret, storeHasAccount, type DeviceIdentity
} from './device-identity.js'
export { DeviceLinkError, KeyWipedError, NoAccountError, NodeNotStartedError } from './errors.js'
export { LocalPrekeys, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_MAX_AGE_MS, type OneTimeBatch } from './local-prekeys.js'
export { deviceSigner } from './signer.js'
