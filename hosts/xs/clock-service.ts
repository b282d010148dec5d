// The clock an XS guest sees, owned by the Node parent so tests and the simulated device
// can set the wall time (use-before checks) and keep it across reboots.
import type { Clock } from '../hal';
import type { HostCallTable } from './host-calls';

export class ClockService implements Clock {
  private offsetSeconds = 0;
  private wallTimeKnown = true;
  now(): number {
    return performance.now();
  }
  unixTime(): number | undefined {
    return this.wallTimeKnown ? Math.floor(Date.now() / 1000) + this.offsetSeconds : undefined;
  }
  /** Pretend the wall clock reads `seconds` now; undefined = the device has no wall time. */
  setUnixTime(seconds: number | undefined): void {
    this.wallTimeKnown = seconds !== undefined;
    if (seconds !== undefined) this.offsetSeconds = seconds - Math.floor(Date.now() / 1000);
  }
  calls(): HostCallTable {
    return { 'clock.read': () => ({ result: { now: this.now(), unix: this.unixTime() ?? null } }) };
  }
}
