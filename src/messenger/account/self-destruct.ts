import { ACTIVITY_INTERVAL_MS, DEFAULT_INACTIVITY_DAYS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { AccountExpiredError } from '../errors.js'

/** Self-destruct: a device that comes back after its account's inactivity period wipes itself. */
export class SelfDestruct {
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (private readonly ctx: MessengerContext) {}

  /** Throws AccountExpiredError (after wiping the store) when this device was inactive too long. */
  async check (): Promise<void> {
    const { store, accountRecords, device } = this.ctx.components
    const last = await store.preferences.lastActive()
    if (last == null) return
    const days = accountRecords.ownBody()?.inactivityDays ?? DEFAULT_INACTIVITY_DAYS
    if (this.ctx.now() - last > days * 24 * 3600 * 1000) {
      // offline, then the store wiped: by the device's owner
      await device.wipe()
      this.ctx.emit('wiped', { reason: 'inactivity' })
      throw new AccountExpiredError()
    }
  }

  /** Records activity now and every hour while running. */
  async start (): Promise<void> {
    await this.touch()
    this.timer = setInterval(() => { void this.touch() }, ACTIVITY_INTERVAL_MS)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private async touch (): Promise<void> {
    await this.ctx.components.store.preferences.setLastActive(this.ctx.now()).catch((err: unknown) => {
      this.ctx.log('self-destruct').error('could not record the last-active time - %e', err)
    })
  }
}
