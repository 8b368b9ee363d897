export * from './address.js'
export * from './keys.js'
export * from './account-record.js'
export * from './errors.js'
