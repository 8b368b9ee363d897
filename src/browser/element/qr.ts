/**
 * QR codes as SVG data URLs, for `<img>`: loaded by the element through `import()` only when a
 * user asks for one, so `parley-chat.js` does not carry the encoder.
 */
import { toString } from 'qrcode'

/** The QR code of `text` (error correction M, 4-module quiet zone) as an `image/svg+xml` data URL. */
export async function qrDataUrl (text: string): Promise<string> {
  const svg = await toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } })
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
}
