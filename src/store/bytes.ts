// TEMPORARY: re-export for tests/messenger until it imports src/bytes.ts
export { startsWith, toHex } from '../bytes.js'
