// Voice notes: recorded with MediaRecorder (Opus in Ogg where the browser records it, else in
// WebM), measured (duration and a 64-sample waveform, from the decoded audio), and played with
// the waveform filling as it plays.

const WAVEFORM_SAMPLES = 64
const TYPES = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm']

export function canRecord () {
  return typeof MediaRecorder === 'function' && navigator.mediaDevices?.getUserMedia != null && TYPES.some((t) => MediaRecorder.isTypeSupported(t))
}

export function clock (ms) {
  const s = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/**
 * Starts recording from the microphone. `onTick(ms)` reports the time recorded so far.
 * Resolves with `{ stop, cancel }`: `stop()` resolves with `{ file, durationMs, waveform }`.
 */
export async function startRecording (onTick) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
  const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t))
  const recorder = new MediaRecorder(stream, { mimeType, audioBitsPerSecond: 32_000 })
  const parts = []
  recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) parts.push(e.data) })
  const stopped = new Promise((resolve, reject) => {
    recorder.addEventListener('stop', resolve, { once: true })
    recorder.addEventListener('error', (e) => { reject(e.error ?? new Error('recording failed')) }, { once: true })
  })
  const started = performance.now()
  recorder.start(250)
  const ticker = setInterval(() => { onTick(performance.now() - started) }, 250)
  const release = () => { clearInterval(ticker); for (const track of stream.getTracks()) track.stop() }
  return {
    async stop () {
      const wallMs = performance.now() - started
      recorder.stop()
      try { await stopped } finally { release() }
      const type = recorder.mimeType || mimeType
      const ext = type.startsWith('audio/ogg') ? 'ogg' : 'webm'
      const file = new File(parts, `voice-note.${ext}`, { type })
      const measured = await measure(file).catch(() => undefined)
      return { file, durationMs: measured?.durationMs ?? Math.round(wallMs), waveform: measured?.waveform ?? [] }
    },
    cancel () { if (recorder.state !== 'inactive') recorder.stop(); release() }
  }
}

/** Decodes the recording: its exact duration and peak amplitudes in 64 buckets, 0–255. */
async function measure (file) {
  const context = new OfflineAudioContext(1, 1, 48_000)
  const audio = await context.decodeAudioData(await file.arrayBuffer())
  const data = audio.getChannelData(0)
  const per = Math.max(1, Math.floor(data.length / WAVEFORM_SAMPLES))
  const peaks = []
  for (let i = 0; i < WAVEFORM_SAMPLES && i * per < data.length; i++) {
    let peak = 0
    for (let j = i * per; j < Math.min(data.length, (i + 1) * per); j++) peak = Math.max(peak, Math.abs(data[j]))
    peaks.push(peak)
  }
  const top = Math.max(...peaks, 1e-6)
  return { durationMs: Math.round(audio.duration * 1000), waveform: peaks.map((p) => Math.round(255 * p / top)) }
}

const SVG = 'http://www.w3.org/2000/svg'

function waveformSvg (samples) {
  const values = samples.length > 0 ? samples : new Array(WAVEFORM_SAMPLES).fill(40)
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${values.length * 3} 32`)
  svg.setAttribute('preserveAspectRatio', 'none')
  svg.setAttribute('class', 'waveform')
  svg.setAttribute('aria-hidden', 'true')
  values.forEach((v, i) => {
    const h = Math.max(2, Math.round(30 * v / 255))
    const bar = document.createElementNS(SVG, 'rect')
    bar.setAttribute('x', String(i * 3))
    bar.setAttribute('y', String(16 - h / 2))
    bar.setAttribute('width', '2')
    bar.setAttribute('height', String(h))
    svg.append(bar)
  })
  return svg
}

/**
 * A voice note's player: a play/pause button, the waveform filling as it plays, the time.
 * `load()` resolves with the recording as a Blob (fetched on the first play).
 */
export function voicePlayer (m, playable, load) {
  const a = m.attachment
  const total = clock(a.durationMs)
  const time = document.createElement('span')
  time.className = 'voice-time'
  time.textContent = total
  const wave = waveformSvg(a.waveform ?? [])
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'voice-play'
  button.disabled = !playable
  button.setAttribute('aria-label', `Play voice note, ${total}`)
  button.textContent = '▶'
  const box = document.createElement('div')
  box.className = 'voice'
  box.dataset.durationMs = String(a.durationMs)
  box.append(button, wave, time)
  let audio
  const paint = () => {
    const fraction = audio == null || a.durationMs <= 0 ? 0 : audio.ended ? 1 : Math.min(1, audio.currentTime * 1000 / a.durationMs)
    const bars = wave.children
    for (let i = 0; i < bars.length; i++) bars[i].classList.toggle('played', (i + 0.5) / bars.length <= fraction)
    time.textContent = audio == null || audio.paused ? total : `${clock(audio.currentTime * 1000)} / ${total}`
    if (audio != null && !audio.paused) requestAnimationFrame(paint)
  }
  button.addEventListener('click', async () => {
    if (audio == null) {
      button.disabled = true
      try {
        audio = document.createElement('audio')
        audio.src = URL.createObjectURL(await load())
        audio.addEventListener('ended', () => {
          box.dataset.endedAtMs = String(Math.round(audio.currentTime * 1000))
          button.textContent = '▶'
          button.setAttribute('aria-label', `Play voice note, ${total}`)
          paint()
        })
        box.append(audio)
      } finally { button.disabled = false }
    }
    if (audio.paused) {
      await audio.play()
      box.dataset.playing = 'true'
      button.textContent = '⏸'
      button.setAttribute('aria-label', 'Pause voice note')
      requestAnimationFrame(paint)
    } else {
      audio.pause()
      button.textContent = '▶'
      button.setAttribute('aria-label', `Play voice note, ${total}`)
    }
  })
  return box
}
