/**
 * This device: its keys (account, device signing, identity DH, libp2p seed), its prekeys and its
 * own account record. Hands out {@link Signer}s, so the secret key bytes never leave this folder
 * through the signer path. Imports no `node/`, `p2p/`, `messenger/` or `relay/`.
 *
 * Device linking: the existing device's side is the `deviceLink()` libp2p service
 * (`device-link-service.ts`, exported here), which loads the link server on the first code (with
 * `import()`); the
 * protocol code itself (`device-link.ts`: the server, `linkDevice` for the new device's side) is
 * imported from its own module, not re-exported here, since the browser's first load takes this
 * index (through `ParleyNode`). The same goes for `session-keys.ts` (the PQXDH handshake and
 * sealed sender over this device's keys), which only the lazily loaded messenger wiring needs.
 *
 * @packageDocumentation
 */
export {
  AccountRecords, type AccountRecordChanges, type AccountRecordsComponents, type AccountRecordsInit, type RecordDirectory
} from './account-records.js'
export { LINK_PROTOCOL, OWN_RECORD_SETTING } from './constants.js'
export { DeviceLink, deviceLink, type DeviceLinkComponents, type DeviceLinkInit } from './device-link-service.js'
export {
  createDeviceKeysForLinking, loadOrCreateIdentity, storeAccountSecret, storeHasAccount, type DeviceIdentity
} from './device-identity.js'
export { DeviceLinkError, KeyWipedError, NoAccountError, NodeNotStartedError } from './errors.js'
export { LocalPrekeys, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_MS, SIGNED_PREKEY_MAX_AGE_MS, type OneTimeBatch } from './local-prekeys.js'
export { deviceSigner } from './signer.js'
