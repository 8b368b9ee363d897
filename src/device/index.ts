/**
 * This device: its keys (account, device signing, identity DH, libp2p seed), its prekeys and its
 * own account record. Hands out {@link Signer}s, so the secret key bytes never leave this folder
 * through the signer path. Imports no `node/`, `p2p/`, `messenger/` or `relay/`.
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
export {
  DEFAULT_LINK_TTL_MS, DeviceLinkServer, LINK_PROTOCOL, MAX_LINK_FRAME_BYTES, decodeLinkCode, encodeLinkCode, linkDevice,
  type DeviceLinkServerInit, type LinkCode, type LinkDeviceInit
} from './device-link.js'
export { DeviceLinkError, KeyWipedError, NoAccountError, NodeNotStartedError } from './errors.js'
export { LocalPrekeys, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_MAX_AGE_MS, type OneTimeBatch } from './local-prekeys.js'
export { deviceSigner } from './signer.js'
