// The demo's firmware: one application, built three times (`xsuit demo` bundles it with
// VERSION and the sensor-driver setting as build constants). v1 and v2 are healthy;
// v3 ships a driver regression that reads the wrong register, so its power-on health
// check fails and the device rolls back. The image runs on the simulated device's XS
// runtime, which provides `xsuit` (hosts/xs/net-device-guest.ts).

declare const VERSION: number;
/** the sensor register the driver reads; v3 has the wrong one */
declare const SENSOR_REGISTER: number;
/** which transport this release's update agent uses */
declare const UPDATE_TRANSPORT: 'coap' | 'mqtt';
/** the boot splash bitmap (base64), linked into the image like any asset */
declare const SPLASH: string;

interface XsuitRuntime {
  slot: string;
  trial: boolean;
  log(text: string): void;
  start(options: { transport: 'coap' | 'mqtt'; healthy: boolean; detail: string }): void;
}
declare const xsuit: XsuitRuntime;

/** A simulated temperature sensor: the right register holds a plausible reading. */
function readTemperature(register: number): number {
  const registers: Record<number, number> = { 0x05: 2150, 0x07: 0x7fff };
  return (registers[register] ?? 0) / 100;
}

/** The app's own power-on self test: the sensor must read within its rated range. */
function healthCheck(): { healthy: boolean; detail: string } {
  const celsius = readTemperature(SENSOR_REGISTER);
  const healthy = celsius >= -40 && celsius <= 125;
  return { healthy, detail: `temperature ${celsius.toFixed(1)} °C ${healthy ? 'in range' : 'out of range'}` };
}

const check = healthCheck();
xsuit.log(`app v${VERSION} running from slot ${xsuit.slot}${xsuit.trial ? ' (trial)' : ''}, splash ${SPLASH.length} B: ${check.detail}`);
xsuit.start({ transport: UPDATE_TRANSPORT, healthy: check.healthy, detail: check.detail });
