import table from './cases/coap-mqtt.cases';
import { describeDeviceCases } from './harness/jest-device';

describeDeviceCases(table, new URL('./cases/coap-mqtt.cases.ts', import.meta.url));
