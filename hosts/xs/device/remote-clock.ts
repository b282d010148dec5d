// Clock for an XS guest, read from the Node parent (hosts/xs/clock-service.ts).
import type { Clock } from '../../hal';
import { hostCall } from './host-call';

interface Reading {
  now: number;
  unix: number | null;
}

export const remoteClock: Clock = {
  now: () => (hostCall('clock.read').result as Reading).now,
  unixTime: () => (hostCall('clock.read').result as Reading).unix ?? undefined,
};
