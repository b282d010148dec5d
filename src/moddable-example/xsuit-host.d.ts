// The "xsuit/host" API as the repo's own type check sees it (outside a Moddable build,
// where manifest.json maps "xsuit/host" to hosts/<platform>/platform.ts). Every
// platform host exports exactly this.
declare module "xsuit/host" {
  export interface PowerOn {
    host: import("../../hosts/hal").DeviceHost;
    net: import("../../hosts/hal-net").NetHost;
    /** 1 for the first power-on, then 2, 3, ... after each restart */
    boot: number;
    /** build-time settings (mcconfig NAME=VALUE) */
    config: Record<string, unknown>;
    /** ESP32 only: ESP-IDF's app rollback (its bootloader, not xsuit's, picks the partition) */
    rollback?: {
      runningSlot: 0 | 1;
      state: string;
      confirm(): void;
      reject(): never;
    };
  }
  export const platform: string;
  export function startDevice(main: (power: PowerOn) => void | Promise<void>): void;
}
