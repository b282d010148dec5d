// NetHost (hosts/hal-net.ts) over Moddable's ECMA-419 sockets (`embedded:io/socket/udp`,
// `.../tcp`) and its `timer` module. Shared by every Moddable target: ESP32, ESP8266 and
// the lin simulator all provide these modules. The host remembers what it opened so a
// simulated restart (hosts/lin) can close every socket and cancel every timer at once.
import UDP from "embedded:io/socket/udp";
import TCP from "embedded:io/socket/tcp";
import Timer from "timer";
import type { NetHost, TcpOptions, TcpSocket, Timers, UdpDatagram, UdpOptions, UdpSocket } from "../hal-net";

interface Closable {
  close(): void;
}

class ModdableUdp implements UdpSocket {
  private socket: UDP | undefined;
  constructor(options: UdpOptions, private readonly owner: ModdableNet) {
    this.socket = new UDP({
      port: options.port,
      onReadable: (count: number) => options.onReadable?.(count),
      onError: () => options.onError?.("udp error"),
    });
    owner.track(this);
  }
  write(bytes: Uint8Array, address: string, port: number): void {
    // ECMA-419 writes the whole buffer: hand it exactly the datagram's bytes.
    this.socket?.write(bytes.slice().buffer, address, port);
  }
  read(): UdpDatagram | undefined {
    return this.socket?.read() as UdpDatagram | undefined;
  }
  close(): void {
    const s = this.socket;
    this.socket = undefined;
    this.owner.untrack(this);
    if (s) (s as unknown as Closable).close();
  }
}

class ModdableTcp implements TcpSocket {
  private socket: TCP | undefined;
  constructor(options: TcpOptions, private readonly owner: ModdableNet) {
    const end = (why: string): void => {
      if (!this.socket) return;
      this.close();
      options.onError?.(why);
    };
    this.socket = new TCP({
      address: options.address,
      port: options.port,
      nodelay: true,
      onReadable: (count: number) => options.onReadable?.(count),
      onWritable: (count: number) => options.onWritable?.(count),
      onError: () => end("connection closed"),
    });
    owner.track(this);
  }
  write(bytes: Uint8Array): void {
    if (!this.socket) throw new Error("tcp socket is closed");
    this.socket.write(bytes.slice().buffer);
  }
  read(): ArrayBuffer | undefined {
    if (!this.socket) return undefined;
    const bytes = this.socket.read() as ArrayBuffer | undefined;
    return bytes && bytes.byteLength ? bytes : undefined;
  }
  close(): void {
    const s = this.socket;
    this.socket = undefined;
    this.owner.untrack(this);
    if (s) s.close();
  }
}

class ModdableTimers implements Timers {
  private next = 1;
  private readonly live = new Map<number, Timer>();
  set(callback: () => void, ms: number): number {
    const id = this.next++;
    this.live.set(id, Timer.set(() => {
      this.live.delete(id);
      callback();
    }, ms));
    return id;
  }
  clear(id: number): void {
    const t = this.live.get(id);
    if (t === undefined) return;
    this.live.delete(id);
    Timer.clear(t);
  }
  clearAll(): void {
    for (const t of this.live.values()) Timer.clear(t);
    this.live.clear();
  }
}

export class ModdableNet implements NetHost {
  readonly timers = new ModdableTimers();
  private readonly open = new Set<Closable>();
  private readonly started = Date.now();
  private seed: number;

  constructor(seed = Date.now()) {
    this.seed = (seed >>> 0) || 0x9e3779b9;
  }
  udp(options: UdpOptions): UdpSocket {
    return new ModdableUdp(options, this);
  }
  tcp(options: TcpOptions): TcpSocket {
    return new ModdableTcp(options, this);
  }
  now(): number {
    return Date.now() - this.started;
  }
  /** xorshift32: message ids and jitter only, never keys. */
  random32(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
  /** @internal */
  track(s: Closable): void {
    this.open.add(s);
  }
  /** @internal */
  untrack(s: Closable): void {
    this.open.delete(s);
  }
  /** Closes every socket and cancels every timer this host handed out (a restart). */
  shutdown(): void {
    for (const s of [...this.open]) s.close();
    this.timers.clearAll();
  }
}
