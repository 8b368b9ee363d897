import { ParleyError } from '../errors.js'

/** An account address failed to parse or its checksum did not match (a typo). */
export class InvalidAddressError extends ParleyError {
  static override name = 'InvalidAddressError'
  constructor (message = 'Invalid account address') { super(message, 'ERR_INVALID_ADDRESS') }
}

/** The passphrase does not open the keystore. */
export class WrongPassphraseError extends ParleyError {
  static override name = 'WrongPassphraseError'
  constructor (message = 'Wrong passphrase') { super(message, 'ERR_WRONG_PASSPHRASE') }
}

/** The keystore file is not a Parley keystore, or is of an unknown version. */
export class KeystoreFormatError extends ParleyError {
  static override name = 'KeystoreFormatError'
  constructor (message = 'Unreadable keystore') { super(message, 'ERR_KEYSTORE_FORMAT') }
}

/** An account record failed validation: bad signature, wrong key, malformed or expired. */
export class InvalidAccountRecordError extends ParleyError {
  static override name = 'InvalidAccountRecordError'
  constructor (message: string, code = 'ERR_INVALID_ACCOUNT_RECORD') { super(message, code) }
}

/** A fleet record failed validation: bad signature, wrong operator key, malformed, oversize or expired. */
export class InvalidFleetRecordError extends ParleyError {
  static override name = 'InvalidFleetRecordError'
  constructor (message: string, code = 'ERR_INVALID_FLEET_RECORD') { super(message, code) }
}
