/*
 * ESP-IDF app rollback for xsuit. Moddable's embedded:update writes an image and sets
 * the boot partition (esp_ota_begin/write/end, esp_ota_set_boot_partition), but nothing
 * in the SDK reads or settles the rollback state: with
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE a new image boots as ESP_OTA_IMG_PENDING_VERIFY
 * and the bootloader rolls it back on the next reset unless the app marks it valid.
 * These four functions are that missing piece; ota.js gives them their JS names.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"

static const char *stateName(esp_ota_img_states_t state)
{
	switch (state) {
		case ESP_OTA_IMG_NEW: return "new";
		case ESP_OTA_IMG_PENDING_VERIFY: return "pending-verify";
		case ESP_OTA_IMG_VALID: return "valid";
		case ESP_OTA_IMG_INVALID: return "invalid";
		case ESP_OTA_IMG_ABORTED: return "aborted";
		default: return "undefined";
	}
}

/* runningPartition(): the label of the app partition the ROM bootloader started ("slot_a") */
void xs_xsuit_ota_running_partition(xsMachine *the)
{
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (!running)
		xsUnknownError("no running partition");
	xsmcSetString(xsResult, (char *)running->label);
}

/* runningState(): the rollback state of the running image ("pending-verify" on a trial boot) */
void xs_xsuit_ota_running_state(xsMachine *the)
{
	esp_ota_img_states_t state;
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (!running || (ESP_OK != esp_ota_get_state_partition(running, &state))) {
		/* a factory image or a partition without otadata entry has no rollback state */
		xsmcSetString(xsResult, "undefined");
		return;
	}
	xsmcSetString(xsResult, (char *)stateName(state));
}

/* markValid(): the trial image passed its health check; cancels the pending rollback */
void xs_xsuit_ota_mark_valid(xsMachine *the)
{
	esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
	if (ESP_OK != err)
		xsUnknownError("esp_ota_mark_app_valid_cancel_rollback failed: %d", err);
}

/* markInvalidAndReboot(): the trial image failed; roll back to the previous app now (does not return) */
void xs_xsuit_ota_mark_invalid_and_reboot(xsMachine *the)
{
	esp_err_t err = esp_ota_mark_app_invalid_rollback_and_reboot();
	/* returns only when there is no other valid app to roll back to */
	xsUnknownError("esp_ota_mark_app_invalid_rollback_and_reboot failed: %d", err);
}
