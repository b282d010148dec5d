// The hardware abstraction layer every platform implements (hosts/node, hosts/xs,
// hosts/lin, hosts/esp32, hosts/esp8266, hosts/qemu). Device modules receive these
// objects as arguments; they never import a host.

/** One named flash partition. Offsets are relative to the partition start. */
export interface Flash {
  readonly name: string;
  /** bytes in the partition */
  readonly size: number;
  /** erase unit in bytes (4096 on ESP32 NOR) */
  readonly sectorSize: number;
  /** writes must start and end on this alignment */
  readonly writeAlign: number;
  read(offset: number, length: number): Uint8Array;
  /** Read into a caller-owned buffer; avoids an allocation per call on hot paths. */
  readInto(offset: number, target: Uint8Array): void;
  /** NOR semantics: may only clear bits (1 -> 0). */
  write(offset: number, bytes: Uint8Array): void;
  /** Sets sector `sector` (index, not offset) to the erased value 0xFF. */
  erase(sector: number): void;
}

export interface PartitionInfo {
  name: string;
  type: string;
  subtype: string;
  offset: number;
  size: number;
}

/** A whole flash chip split into partitions (ESP-IDF partitions.csv). */
export interface FlashDevice {
  partitions(): PartitionInfo[];
  /** Throws XsuitError 'flash-no-partition' for an unknown name. */
  open(name: string): Flash;
}

export interface Clock {
  /** milliseconds since an arbitrary epoch, monotonic */
  now(): number;
  /** seconds since 1970 for use-before checks; undefined when the device has no wall time */
  unixTime(): number | undefined;
}

export interface DeviceIdentity {
  /** 16-byte UUIDs as raw bytes */
  vendorId: Uint8Array;
  classId: Uint8Array;
  deviceId?: Uint8Array;
}

export interface Sha256 {
  update(bytes: Uint8Array): this;
  digest(): Uint8Array;
}

/** Signature algorithms by COSE number: -7 ES256, -9 ESP256, -8 EdDSA, -19 Ed25519. */
export interface Crypto {
  sha256(): Sha256;
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  /** ECDSA P-256 over SHA-256; `publicKey` is SEC1 (65-byte uncompressed or 33 compressed), sig is r||s. */
  verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Pure Ed25519 (RFC 8032); `publicKey` is 32 bytes. */
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface DeviceHost {
  flash: FlashDevice;
  clock: Clock;
  crypto: Crypto;
  identity: DeviceIdentity;
  /** Power-cycles the device; on simulated hosts it ends the current run. */
  restart(): never | void;
  log(message: string): void;
}
