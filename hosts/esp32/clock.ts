// Clock (hosts/hal.ts) for Moddable targets. A board has wall time only once SNTP (or
// the app) has set it; before that Date.now() counts from 1970 at power-on, so any value
// before 2020 is treated as "no wall time" and use-before checks are skipped by policy.
import type { Clock } from "../hal";

const YEAR_2020 = 1577836800;

export function moddableClock(): Clock {
  const start = Date.now();
  return {
    now: () => Date.now() - start,
    unixTime() {
      const seconds = Math.floor(Date.now() / 1000);
      return seconds >= YEAR_2020 ? seconds : undefined;
    },
  };
}
