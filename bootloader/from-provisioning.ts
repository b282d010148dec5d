// The loader as a device builds it at power-on: identity, trust anchors and attempt limit
// come from the provisioning partition written at the factory.
import type { Clock, Crypto, FlashDevice } from '../hosts/hal';
import { readProvisioning, type Provisioning } from '../modules/slots/provisioning';
import { PROVISION_PARTITION } from '../modules/slots/layout';
import { Loader } from './loader';
import { SuitSlotVerifier, type SuitVerifierOptions } from './suit-verifier';

export interface ProvisionedLoader {
  loader: Loader;
  provisioning: Provisioning;
  /** for stageEnvelope / authenticateEnvelope: the same trust store and identity */
  verifierOptions: SuitVerifierOptions;
}

export function loaderFromProvisioning(flash: FlashDevice, crypto: Crypto, clock?: Clock): ProvisionedLoader {
  const provisioning = readProvisioning(flash.open(PROVISION_PARTITION));
  const verifierOptions: SuitVerifierOptions = { policy: provisioning.trust, identity: provisioning.identity, crypto, clock };
  const loader = new Loader({ flash, crypto, verifier: new SuitSlotVerifier(verifierOptions), maxAttempts: provisioning.maxAttempts });
  return { loader, provisioning, verifierOptions };
}
