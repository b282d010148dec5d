// Types for the Moddable modules xsuit uses that the SDK ships without typings: its
// modules/crypt ECDSA, Curve and ECPoint, and xsuit's own native ESP32 rollback module
// (ota.js + xsuit-ota.c). Listed in manifest.json under
// typescript.tsconfig.compilerOptions.types so mcconfig's tsc step sees them.

declare module "ecp" {
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    readonly X: bigint;
    readonly Y: bigint;
  }
}

declare module "curve" {
  export default class Curve {
    constructor(name: "secp256r1" | "secp384r1");
    readonly orderSize: number;
  }
}

declare module "ecdsa" {
  import type ECPoint from "ecp";
  import type Curve from "curve";
  export default class ECDSA {
    /** `key` is the public point when `priv` is false */
    constructor(key: ECPoint | bigint, curve: Curve, priv?: boolean);
    /** `H` is the message digest; `sig` is r||s (or DER when `asn1`) */
    verify(H: ArrayBuffer, sig: ArrayBuffer, asn1?: boolean): boolean;
  }
}

declare module "xsuit/hosts/esp32/ota" {
  export type RollbackState = "new" | "pending-verify" | "valid" | "invalid" | "aborted" | "undefined";
  /** label of the app partition that is running ("slot_a" or "slot_b") */
  export function runningPartition(): string;
  export function runningState(): RollbackState;
  /** esp_ota_mark_app_valid_cancel_rollback() */
  export function markValid(): void;
  /** esp_ota_mark_app_invalid_rollback_and_reboot(): does not return */
  export function markInvalidAndReboot(): never;
}

declare module "system" {
  /** Moddable's ECMA-419 System on ESP32 / ESP8266 (modules/io/system) */
  export default class System {
    static restart(): void;
  }
}
