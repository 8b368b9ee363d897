import { it } from 'vitest'
import { startExampleServer } from '../../examples/browser-embed/serve.js'
import { silentLogger } from '../../src/relay/logger.js'
import { createProfile } from './harness.js'
it('debug chat', async () => {
  const ex = await startExampleServer({ relayLogger: silentLogger })
  const ps = [await createProfile('d1'), await createProfile('d2')]
  try {
    const pages = await Promise.all(ps.map(async (p, i) => { const pg = await (await p.open()).newPage(); await pg.goto(ex.url); return pg }))
    const info = await Promise.all(pages.map(async (pg) => pg.evaluate(async () => {
      const el = document.querySelector('parley-chat') as any; await customElements.whenDefined('parley-chat'); await el.ready
      return { address: el.messenger.address }
    })))
    for (const pg of pages) await pg.waitForFunction(() => (document.querySelector('parley-chat') as any).messenger.node.isPublished === true)
    const r = await pages[0].evaluate(async (b) => {
      const m = (document.querySelector('parley-chat') as any).messenger
      const out: string[] = []
      const t = performance.now()
      let dev: any
      try { dev = await m.outbox.init.resolve(b, '', AbortSignal.timeout(5000)) } catch (e: any) { out.push('resolve ' + e.name + ' ' + e.message) }
      const rec = await m.node.lookupAccount(b)
      const device = rec.body.devices[0]
      out.push('relays ' + JSON.stringify(rec.body.relays.map((r: any) => Object.keys(r))))
      try { await m.node.sendEnvelope(device, { payload: new Uint8Array(10) }, { signal: AbortSignal.timeout(5000) }); out.push('direct ok ' + (performance.now() - t)) } catch (e: any) { out.push('direct ' + e.name + ' ' + e.code + ' ' + e.message + ' cause ' + e.cause?.message) }
      try { const o = await m.depositor.depositToAll([], { version: 1, id: new Uint8Array(16), recipientDevice: device.deviceKey, payload: new Uint8Array(5), createdAt: 0n, expiresAt: 0n, flags: 0 }); out.push('deposit ' + JSON.stringify(o)) } catch (e: any) { out.push('deposit ' + e.name + ' ' + e.message + ' ' + e.stack) }
      return out
    }, info[1].address)
    console.log(r.join('\n'))
  } finally { for (const p of ps) await p.destroy(); await ex.stop() }
})
