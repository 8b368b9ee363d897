// TEMPORARY: re-export for src/relay until it imports net/ (remote addresses moved to net/, used by p2p/ and net/)
export { NO_ADDRESS, addressKeys, addressList, type AddressKeys } from '../net/remote-address.js'
