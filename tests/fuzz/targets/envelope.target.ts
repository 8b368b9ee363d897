import { decodeAck, decodeEnvelope, ENVELOPE_VERSION } from '../../../src/net/envelope-codec.js'
import { envelopeBytes } from '../arbitraries.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

/** The envelope and ack decoders of `/parley/msg/1.0.0` and of relay deposits. */
export default pureTarget({
  name: 'envelope',
  covers: 'decodeEnvelope, decodeAck (src/net/envelope-codec.ts)',
  input: hostileBytes(envelopeBytes),
  runs: 3000,
  run: (bytes: Uint8Array) => {
    const envelope = typedOrResult(() => decodeEnvelope(bytes))
    if (envelope != null && (envelope.version !== ENVELOPE_VERSION || envelope.id.length !== 16 || envelope.recipientDevice.length !== 32)) throw invalidResult('envelope fields')
    const ack = typedOrResult(() => decodeAck(bytes))
    if (ack != null && ack.code.length > 64) throw invalidResult('ack code over 64 characters')
  }
})
