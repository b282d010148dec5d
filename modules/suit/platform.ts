// What the SUIT processor needs from the device: identity, time, and the callbacks that
// read or change component storage. See README.md for the contract of each callback.
import type { Clock, DeviceIdentity } from '../../hosts/hal';
import type { CborValue } from '../cbor/index';

export interface ComponentRef {
  index: number;
  /** SUIT_Component_Identifier (for a dependency: its prefix, or [] when it has none) */
  id: Uint8Array[];
  dependency: boolean;
}

export interface SuitParams {
  vendorId?: Uint8Array;
  classId?: Uint8Array;
  deviceId?: Uint8Array;
  imageDigest?: { alg: number; bytes: Uint8Array };
  imageSize?: number;
  componentSlot?: number;
  uri?: string;
  sourceComponent?: number;
  content?: Uint8Array;
  invokeArgs?: Uint8Array;
  encryptionInfo?: Uint8Array;
  version?: { comparison: number; parts: number[] };
  useBefore?: number;
  minimumBattery?: number;
  updatePriority?: number;
  waitInfo?: CborValue;
  strictOrder?: boolean;
  softFailure?: boolean;
  /** every parameter as set, by SUIT parameter number */
  raw: Map<number, CborValue>;
}

type Maybe<T> = T | Promise<T>;

export interface SuitPlatform {
  identity: DeviceIdentity;
  clock?: Clock;
  /**
   * True when re-validating an image already installed (the loader at power-on): conditions
   * that limit installation in time (use-before) do not stop it from booting.
   */
  verifyingInstalled?: boolean;
  currentDigest(c: ComponentRef, alg: number, size: number | undefined): Maybe<Uint8Array | undefined>;
  checkSlot?(c: ComponentRef, slot: number): Maybe<boolean>;
  readContent?(c: ComponentRef, length: number): Maybe<Uint8Array | undefined>;
  currentVersion?(c: ComponentRef): number[] | undefined;
  batteryLevel?(): number;
  updateAuthorized?(priority: number | undefined): Maybe<boolean>;
  fetch(uri: string, c: ComponentRef, p: SuitParams): Maybe<void | Uint8Array>;
  write(c: ComponentRef, content: Uint8Array, p: SuitParams): Maybe<void>;
  copy(dst: ComponentRef, src: ComponentRef, p: SuitParams): Maybe<void>;
  swap(a: ComponentRef, b: ComponentRef, p: SuitParams): Maybe<void>;
  invoke(c: ComponentRef, args: Uint8Array | undefined, p: SuitParams): Maybe<void>;
  unlink?(c: ComponentRef): Maybe<void>;
  wait?(waitInfo: CborValue): Maybe<boolean>;
  /**
   * Called each time a condition HELD (vendor, class, image-match...). Callers that must
   * know an outcome use this, never the fact that a callback was consulted: inside
   * try-each a failed condition is abandoned and the next option may pass without it.
   */
  onConditionHeld?(op: number, c: ComponentRef): void;
}
