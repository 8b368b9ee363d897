import { createParley } from '../index.js'
export { createParley }
