// The API a firmware image sees when the simulated device invokes it in a fresh XS
// machine: xsuit.confirm() after its health check, xsuit.reject(), xsuit.log(text), and
// where it runs (slot, trial). Each call reaches the Node parent, which owns the flash.
import { hostCall } from './device/host-call';

interface BootInfo { slot: string; trial: boolean; attempt: number; sequence: number }

const info = hostCall('image.info').result as BootInfo;

(globalThis as Record<string, unknown>).xsuit = Object.freeze({
  slot: info.slot,
  trial: info.trial,
  attempt: info.attempt,
  sequence: info.sequence,
  confirm: () => { hostCall('image.confirm'); },
  reject: () => { hostCall('image.reject'); },
  log: (text: unknown) => { hostCall('image.log', { text: String(text) }); },
});
