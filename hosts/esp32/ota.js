// JS names for xsuit-ota.c (ESP-IDF app rollback state). Plain JS because the native
// binding syntax (@ "name") is XS-only; the types are in moddable.d.ts.
export function runningPartition() @ "xs_xsuit_ota_running_partition";
export function runningState() @ "xs_xsuit_ota_running_state";
export function markValid() @ "xs_xsuit_ota_mark_valid";
export function markInvalidAndReboot() @ "xs_xsuit_ota_mark_invalid_and_reboot";
