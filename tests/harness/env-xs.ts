// CaseEnv inside the XS engine: flash chips and fixtures live in the Node parent.
import { nobleCrypto } from '../../modules/crypto/noble';
import { RemoteFlashDevice } from '../../hosts/xs/device/remote-flash';
import { hostCall } from '../../hosts/xs/device/host-call';
import { remoteClock } from '../../hosts/xs/device/remote-clock';
import type { CaseEnv, SimFlash, SimFlashOptions } from './device-case';

function remoteSimFlash(options: SimFlashOptions): SimFlash {
  const id = hostCall('flash.new', options).result as number;
  let device = new RemoteFlashDevice(id);
  return {
    get device() { return device; },
    counts: () => hostCall('flash.counts', { id }).result as ReturnType<SimFlash['counts']>,
    cutAt: (n, seed) => { hostCall('flash.cutAt', { id, n, seed }); },
    reboot: () => { hostCall('flash.reboot', { id }); device = new RemoteFlashDevice(id); return device; },
    snapshot: () => hostCall('flash.snapshot', { id }).bytes,
  };
}

export const xsCaseEnv: CaseEnv = {
  engine: 'xs',
  newFlash: remoteSimFlash,
  crypto: nobleCrypto,
  clock: remoteClock,
  fixture: (path) => hostCall('fixture.read', { path }).bytes,
  log: (message) => print(message),
};
