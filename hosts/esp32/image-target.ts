// ESP-IDF app partitions for SplitSlotFlash (split-slot.ts), over Moddable's
// `embedded:storage/flash` (reads: the running partition as "running", the other one as
// "nextota") and `embedded:update` (writes: esp_ota_begin / esp_ota_write_with_offset /
// esp_ota_end + esp_ota_set_boot_partition). The running partition has no writer, so
// nothing can ever stage over the image that is executing.
import Update from "embedded:update";
import FlashStorage from "embedded:storage/flash";
import { XsuitError } from "../../modules/errors/errors";
import { Reason } from "../../modules/report/reasons";
import type { AppImageWriter, AppPartition } from "./split-slot";

type NativeFlash = ReturnType<typeof FlashStorage.open>;
type Updater = ReturnType<typeof Update.open>;

export class Esp32AppPartition implements AppPartition {
  readonly size: number;
  private readonly reader: NativeFlash;
  private readonly isRunning: boolean;

  /** `label` is "slot_a" or "slot_b"; `running` the label ESP-IDF started (xsuit-ota.c). */
  constructor(readonly label: string, running: string) {
    this.isRunning = label === running;
    // with two OTA slots, the one not running is the next update partition
    this.reader = FlashStorage.open({ path: this.isRunning ? "running" : "nextota", mode: "r" });
    this.size = this.reader.status().size;
  }

  read(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.reader.read(length, offset));
  }

  writer(): AppImageWriter | undefined {
    if (this.isRunning) return undefined;
    let updater: Updater | undefined;
    const open = (): Updater => {
      if (!updater) throw new XsuitError("slot-not-writable", "esp_ota: no update in progress", Reason.operationFailed);
      return updater;
    };
    return {
      begin(byteLength: number): void {
        const partition = FlashStorage.open({ path: "nextota", mode: "r+" });
        // mode "w": esp_ota_begin(partition, byteLength) erases the image area, writes take offsets
        updater = Update.open({ partition, mode: "w", byteLength });
      },
      write(offset: number, bytes: Uint8Array): void {
        open().write(bytes, offset);
      },
      complete(): void {
        const u = open();
        updater = undefined;
        u.complete();
        u.close();
      },
      abort(): void {
        const u = updater;
        updater = undefined;
        if (u) u.close();
      },
    };
  }
}
