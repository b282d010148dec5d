// Types for the parts of Moddable's modules/crypt that xsuit uses and the SDK ships
// without typings (ECDSA, Curve, ECPoint). Listed in manifest.json under
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
