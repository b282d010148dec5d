// Network and timer HAL, in the style of ECMA-419 (`embedded:io/socket/udp`,
// `embedded:io/socket/tcp`): callback driven, non-blocking, no promises in the interface,
// so the same device code runs on Moddable boards, on Node and inside xsnap (where the
// Node parent owns the real sockets and pushes events into the guest).
// Kept apart from hosts/hal.ts so the network layer can evolve without touching it.

/**
 * A received datagram: the bytes plus where they came from (ECMA-419 puts these on the
 * ArrayBuffer). A host whose datagrams arrive inside a larger buffer (the xsnap bridge)
 * may hand out a Uint8Array view instead of copying each one; readers accept both.
 */
export type UdpDatagram = (ArrayBuffer | Uint8Array) & { address: string; port: number };

export interface UdpOptions {
  /** local port to bind; 0 or absent = ephemeral */
  port?: number;
  /** called when datagrams are queued; call read() `count` times */
  onReadable?: (count: number) => void;
  onError?: (message: string) => void;
}

export interface UdpSocket {
  /** Sends one datagram (copies the bytes). */
  write(bytes: Uint8Array, address: string, port: number): void;
  /** Next queued datagram, or undefined. */
  read(): UdpDatagram | undefined;
  close(): void;
}

export interface TcpOptions {
  address: string;
  port: number;
  /** called when bytes are queued; read() returns them */
  onReadable?: (count: number) => void;
  /** called once connected (and again whenever the send buffer drains) */
  onWritable?: (count: number) => void;
  /** connection failed or ended; the socket is dead afterwards */
  onError?: (message: string) => void;
}

export interface TcpSocket {
  /** Queues bytes for sending (copies them). Throws if the socket is closed. */
  write(bytes: Uint8Array): void;
  /** All queued received bytes, or undefined. */
  read(): ArrayBuffer | undefined;
  close(): void;
}

export type TimerId = number;

export interface Timers {
  /** Calls `callback` once after `ms` milliseconds. */
  set(callback: () => void, ms: number): TimerId;
  clear(id: TimerId): void;
}

/** What network-using device modules receive. */
export interface NetHost {
  udp(options: UdpOptions): UdpSocket;
  tcp(options: TcpOptions): TcpSocket;
  timers: Timers;
  /** milliseconds, monotonic */
  now(): number;
  /** a random 32-bit unsigned integer (message ids, tokens, jitter); need not be cryptographic */
  random32(): number;
}
