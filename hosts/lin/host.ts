// The platform entry for lin: apps import "xsuit/host" and get the simulator host. The
// chip-image path comes from the build config (`mcconfig ... xsuit_flash=/abs/path`),
// so a test can point each build at its own file.
import config from "mc/config";
import { DEFAULT_PARTITIONS_CSV } from "../../modules/slots/layout";
import { runSimulatedDevice, type PowerOn } from "./device";

export type { PowerOn } from "./device";
export const platform = "lin";

export function startDevice(main: (power: PowerOn) => void | Promise<void>): void {
  const path = String(config.xsuit_flash ?? "/tmp/xsuit-sim-flash.bin");
  runSimulatedDevice({ flash: { path, partitionsCsv: DEFAULT_PARTITIONS_CSV }, maxBoots: Number(config.xsuit_max_boots ?? 20), config }, main);
}
