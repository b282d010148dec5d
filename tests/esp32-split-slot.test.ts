// The ESP32 seam (hosts/esp32/split-slot.ts) with the real slot writer, loader and SUIT
// staging on top, and ESP-IDF's OTA rules simulated underneath: esp_ota_begin erases the
// image area, writes land only on erased flash inside it, esp_ota_end refuses an image
// without the ESP image magic byte, and the running partition is never writable.
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../tools/cli/main';
import { MemoryStore, NorChip } from '../hosts/common/nor-flash';
import { parsePartitionsCsv } from '../hosts/common/partitions';
import { SplitSlotFlash, flashWindow, type AppImageWriter, type AppPartition } from '../hosts/esp32/split-slot';
import { nobleCrypto } from '../modules/crypto/noble';
import { writeProvisioning, readProvisioning } from '../modules/slots/provisioning';
import { PROVISION_PARTITION } from '../modules/slots/layout';
import { vendorId, classId } from '../tools/authoring/uuid';
import { loadPublicKeyFile } from '../tools/keys/load';
import { Loader } from '../bootloader/loader';
import { SuitSlotVerifier } from '../bootloader/suit-verifier';
import { bytesSource, stageEnvelope } from '../bootloader/suit-stage';
import type { Flash, FlashDevice, PartitionInfo } from '../hosts/hal';

const SECTOR = 4096;
const ESP_IMAGE_MAGIC = 0xe9;

/** An ESP-IDF app partition with esp_ota_* semantics. */
class FakeApp implements AppPartition {
  readonly bytes: Uint8Array;
  completed = 0;
  begun = 0;
  writable = true;
  private open: { length: number } | undefined;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size).fill(0xff);
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length);
  }
  writer(): AppImageWriter | undefined {
    if (!this.writable) return undefined;
    return {
      begin: (length) => {
        this.begun++;
        this.bytes.fill(0xff, 0, Math.ceil(length / SECTOR) * SECTOR);
        this.open = { length };
      },
      write: (offset, data) => {
        if (!this.open) throw new Error('esp_ota_write_with_offset: not begun');
        if (offset + data.length > Math.ceil(this.open.length / SECTOR) * SECTOR) throw new Error('write past the erased area');
        for (let i = 0; i < data.length; i++) if (this.bytes[offset + i] !== 0xff) throw new Error(`write over unerased byte at ${offset + i}`);
        this.bytes.set(data, offset);
      },
      complete: () => {
        if (!this.open) throw new Error('esp_ota_end: not begun');
        this.open = undefined;
        if (this.bytes[0] !== ESP_IMAGE_MAGIC) throw new Error('esp_ota_end: ESP_ERR_OTA_VALIDATE_FAILED');
        this.completed++;
      },
      abort: () => { this.open = undefined; },
    };
  }
}

const DATA_CSV = [
  'xsuit_boot, data, 0x40, 0x9000, 0x2000',
  'xsuit_prov, data, 0x41, 0xb000, 0x1000',
  'xsuit_env,  data, 0x42, 0xc000, 0xa000',
].join('\n');

/** The ESP32 FlashDevice shape: data partitions on NOR, slots split over xsuit_env + app partitions. */
function esp32Device(chip: NorChip, apps: [FakeApp, FakeApp]): FlashDevice & { slots: SplitSlotFlash[] } {
  const env = chip.open('xsuit_env');
  const half = env.size / 2;
  const slots = ['slot_a', 'slot_b'].map((name, i) => new SplitSlotFlash(name, flashWindow(env, `${name}_meta`, i * half, half), apps[i]));
  return {
    slots,
    partitions: (): PartitionInfo[] => chip.partitions(),
    open(name: string): Flash {
      const i = ['slot_a', 'slot_b'].indexOf(name);
      return i >= 0 ? slots[i] : chip.open(name);
    },
  };
}

async function cli(args: string[]): Promise<void> {
  let text = '';
  const code = await main(args, { out: (t) => { text += t; }, err: (t) => { text += t; }, isTTY: false });
  if (code !== 0) throw new Error(`xsuit ${args.join(' ')}: ${text}`);
}

const dir = mkdtempSync(join(tmpdir(), 'xsuit-esp32-'));

async function release(seq: number, image: Uint8Array): Promise<Uint8Array> {
  const file = join(dir, `app-${seq}-${image[0]}.bin`);
  writeFileSync(file, image);
  await cli(['create', '--vendor', 'example.com', '--class', 'esp32-test', '--seq', String(seq), '--image', file,
    '--uri', `coap://u/app-${seq}.bin`, '-o', `${file}.unsigned.suit`]);
  await cli(['sign', `${file}.unsigned.suit`, '-k', join(dir, 'k.key.pem'), '-o', `${file}.suit`]);
  return readFileSync(`${file}.suit`);
}

function firmware(seq: number, size: number, magic = ESP_IMAGE_MAGIC): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 13 + seq) & 0xff;
  b[0] = magic;
  return b;
}

async function setup() {
  const chip = new NorChip(new MemoryStore(0x20000), parsePartitionsCsv(DATA_CSV));
  const vendor = vendorId('example.com');
  writeProvisioning(chip.open(PROVISION_PARTITION), {
    identity: { vendorId: vendor, classId: classId(vendor, 'esp32-test') },
    trust: { anchors: [loadPublicKeyFile(join(dir, 'k.pub.pem'))], threshold: 1 }, maxAttempts: 3,
  });
  const apps: [FakeApp, FakeApp] = [new FakeApp(0x40000), new FakeApp(0x40000)];
  const device = esp32Device(chip, apps);
  const prov = readProvisioning(chip.open(PROVISION_PARTITION));
  const options = { policy: prov.trust, identity: prov.identity, crypto: nobleCrypto };
  const loader = new Loader({ flash: device, crypto: nobleCrypto, verifier: new SuitSlotVerifier(options), maxAttempts: 3 });
  loader.initialise();
  return { chip, apps, device, loader, options };
}

beforeAll(async () => {
  await cli(['keygen', '--alg', 'es256', '--out', join(dir, 'k')]);
});

test('an update lands at offset 0 of the app partition, esp_ota_end runs once before the commit, and the loader boots it', async () => {
  const { apps, loader, options } = await setup();
  const v1 = firmware(1, 50_000);
  await stageEnvelope(loader, options, await release(1, v1), bytesSource(v1));
  expect(apps[0].completed).toBe(1);
  expect(apps[0].bytes.subarray(0, v1.length)).toEqual(v1);          // the image itself, at offset 0
  expect(apps[0].bytes[v1.length]).toBe(0xff);
  const first = await loader.boot();
  expect(first.kind).toBe('boot');
  if (first.kind !== 'boot') return;
  expect([first.slot, first.trial, first.verified.sequence]).toEqual([0, true, 1]);
  await loader.confirm();

  apps[0].writable = false; // now running: only the other partition is the next OTA target
  const v2 = firmware(2, 70_001);
  await stageEnvelope(loader, options, await release(2, v2), bytesSource(v2));
  expect(apps[1].completed).toBe(1);
  expect(apps[1].bytes.subarray(0, v2.length)).toEqual(v2);
  const second = await loader.boot();
  expect(second.kind === 'boot' && [second.slot, second.trial, second.verified.sequence]).toEqual([1, true, 2]);
});

test('an image ESP-IDF refuses (no image magic) is never committed, and the loader keeps the confirmed image', async () => {
  const { apps, loader, options } = await setup();
  const v1 = firmware(1, 20_000);
  await stageEnvelope(loader, options, await release(1, v1), bytesSource(v1));
  await loader.boot();
  await loader.confirm();
  apps[0].writable = false;
  const bad = firmware(2, 20_000, 0x00);
  await expect(stageEnvelope(loader, options, await release(2, bad), bytesSource(bad))).rejects.toThrow(/VALIDATE_FAILED/);
  expect(apps[1].completed).toBe(0);
  const d = await loader.boot();
  expect(d.kind === 'boot' && [d.slot, d.trial]).toEqual([0, false]);
});

test('a payload that does not match the manifest never reaches esp_ota_end', async () => {
  const { apps, loader, options } = await setup();
  const v1 = firmware(1, 30_000);
  const other = firmware(9, 30_000);
  await expect(stageEnvelope(loader, options, await release(1, v1), bytesSource(other))).rejects.toThrow();
  expect(apps[0].completed).toBe(0);
});

test('a staging cut short is forgotten at the next power-on (esp_ota cannot resume), so the download starts over', async () => {
  const { chip, apps, loader, options } = await setup();
  const v1 = firmware(1, 40_000);
  let served = 0;
  const flaky = { size: v1.length, read: (o: number, n: number) => { served += n; if (served > 20_000) throw new Error('link lost'); return v1.subarray(o, o + n); } };
  await expect(stageEnvelope(loader, options, await release(1, v1), flaky)).rejects.toThrow('link lost');
  expect(apps[0].begun).toBe(1);
  const after = esp32Device(chip, apps);                       // power-on: new SplitSlotFlash objects
  const loader2 = new Loader({ flash: after, crypto: nobleCrypto, verifier: new SuitSlotVerifier(options), maxAttempts: 3 });
  expect(loader2.resumeStaging()).toBeUndefined();
  await stageEnvelope(loader2, options, await release(1, v1), bytesSource(v1));
  expect(apps[0].completed).toBe(1);
  expect(apps[0].bytes.subarray(0, v1.length)).toEqual(v1);
});
