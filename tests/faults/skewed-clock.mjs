// Preloaded (NODE_OPTIONS=--import) into a peer process: its wall clock runs
// PARLEY_CLOCK_OFFSET_MS ahead of the machine's (negative: behind). Timers are unaffected.
const offset = Number(process.env.PARLEY_CLOCK_OFFSET_MS ?? '0')
const realNow = Date.now.bind(Date)
Date.now = () => realNow() + offset
