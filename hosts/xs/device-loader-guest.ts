// Runs inside a fresh XS machine at each simulated power-on when `xsuit device boot
// --engine xs`: the loader, the SUIT verifier and the portable crypto, over the flash
// chip that lives in the Node parent. Exposes __xsuitLoader.run(chipId) / take().
import { isXsuitError } from '../../modules/errors/errors';
import { nobleCrypto } from '../../modules/crypto/noble';
import { RemoteFlashDevice } from './device/remote-flash';
import { encodeWire } from './device/wire';
import { bootOnce } from './device-boot';

let outcome: unknown;

(globalThis as Record<string, unknown>).__xsuitLoader = {
  run: (chipId: number) => {
    outcome = undefined;
    bootOnce(new RemoteFlashDevice(chipId), nobleCrypto).then(
      (r) => { outcome = { ok: true, result: r }; },
      (e: unknown) => { outcome = { ok: false, error: isXsuitError(e) ? { code: e.code, message: e.message, reason: e.reason } : { code: 'xs-error', message: String(e) } }; },
    );
  },
  take: () => encodeWire(outcome ?? { ok: false, error: { code: 'xs-unsettled', message: 'the loader did not finish' } }).buffer as ArrayBuffer,
};
