// The composer's file controls: "Attach" (file picker), drag and drop onto the conversation,
// "Record voice note" (then "Stop and send" or "Cancel"), and the picture viewer dialog.
import { uploadFile, viewPicture } from './attachments.js'
import { canRecord, clock, startRecording } from './voice.js'

const $ = (id) => document.getElementById(id)

/**
 * Wires the controls. `ctx.current()` is the open conversation (or null), `ctx.canSend()`
 * whether it takes new messages, `ctx.sent(message)`
 * shows a message just sent, `ctx.fail(err)` reports an error.
 */
export function setupFileComposer (ctx) {
  const canSend = ctx.canSend
  const send = async (file, name, extra) => {
    const c = ctx.current()
    if (c == null || !canSend()) return
    try {
      ctx.sent(await uploadFile(c.id, file, name, extra, $('messages')))
    } catch (err) { ctx.fail(err) }
  }

  $('attach').addEventListener('click', () => { $('file-input').click() })
  $('file-input').addEventListener('change', () => {
    const files = [...$('file-input').files]
    $('file-input').value = ''
    for (const file of files) void send(file, file.name)
  })

  // drop anywhere on the open conversation
  const zone = $('chat')
  let depth = 0
  const hasFiles = (e) => e.dataTransfer?.types.includes('Files') === true
  zone.addEventListener('dragenter', (e) => { if (!hasFiles(e) || !canSend()) return; e.preventDefault(); depth++; zone.classList.add('dropping') })
  zone.addEventListener('dragover', (e) => { if (!hasFiles(e) || !canSend()) return; e.preventDefault(); e.dataTransfer.dropEffect = 'copy' })
  zone.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (depth === 0) zone.classList.remove('dropping') })
  zone.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return
    e.preventDefault()
    depth = 0
    zone.classList.remove('dropping')
    if (!canSend()) return
    for (const file of e.dataTransfer.files) void send(file, file.name)
  })

  // voice notes
  const record = $('record')
  record.hidden = !canRecord()
  let recording
  const bar = $('recording')
  const finish = () => { recording = undefined; bar.hidden = true; record.disabled = false; $('record-time').textContent = clock(0) }
  record.addEventListener('click', async () => {
    if (recording != null || !canSend()) return
    record.disabled = true
    try {
      recording = await startRecording((ms) => { $('record-time').textContent = clock(ms) })
    } catch (err) {
      finish()
      ctx.fail(err.name === 'NotAllowedError' ? new Error('Parley may not use the microphone: allow it in the browser to record voice notes.') : err)
      return
    }
    bar.hidden = false
    $('record-stop').focus()
  })
  $('record-stop').addEventListener('click', async () => {
    const r = recording
    if (r == null) return
    recording = undefined
    try {
      const { file, durationMs, waveform } = await r.stop()
      finish()
      await send(file, file.name, { durationMs, ...(waveform.length > 0 ? { waveform } : {}) })
    } catch (err) { finish(); ctx.fail(err) }
  })
  $('record-cancel').addEventListener('click', () => { recording?.cancel(); finish() })
}

/** Opens a complete picture in the viewer dialog. */
export async function openPicture (m) {
  await viewPicture(m, $('picture-dialog'), $('picture-image'))
}
