// The CBOR value model shared by the decoder and the encoder (see README.md).

/** A tagged item: tag number and the decoded value it wraps. */
export class CborTag {
  readonly tag: number;
  readonly value: CborValue;
  constructor(tag: number, value: CborValue) {
    this.tag = tag;
    this.value = value;
  }
}

/** Already-encoded CBOR that the encoder copies verbatim (the caller vouches for it). */
export class CborRaw {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | undefined
  | CborTag
  | CborRaw
  | CborValue[]
  | Map<CborValue, CborValue>;

export type CborMap = Map<CborValue, CborValue>;

export function isMap(v: CborValue): v is CborMap {
  return v instanceof Map;
}

export function isBytes(v: CborValue): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** An integer of either representation (number for |n| < 2^53, bigint beyond). */
export function isInt(v: CborValue): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}
