// TEMPORARY: re-export for src/messenger and tests/messenger until they import net/stream/ (the frame reader moved there)
export { FrameReader, encodeFrame, writeWithBackpressure, type FrameReaderInit } from './stream/frame-reader.js'
