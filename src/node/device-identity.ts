// TEMPORARY: re-export for src/messenger until it takes MessengerComponents
export { createDeviceKeysForLinking, storeAccountSecret, storeHasAccount, type DeviceIdentity } from '../device/device-identity.js'
