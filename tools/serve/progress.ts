// Per-device progress for `xsuit serve`: redrawn bars on a terminal, JSON lines otherwise.
import type { ServeEvents } from './coap-server';

interface DeviceState {
  file: string;
  transport: string;
  /** highest byte served + 1 */
  reached: number;
  total: number;
}

export interface ProgressSink {
  progress(e: ServeEvents['progress']): void;
  report(e: ServeEvents['report']): void;
  line(text: string): void;
  close(): void;
}

function bar(fraction: number, width = 30): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function progressSink(out: (text: string) => void, mode: 'tty' | 'json' | 'plain'): ProgressSink {
  const devices = new Map<string, DeviceState>();
  const lastJson = new Map<string, number>();
  let drawn = 0;
  let dirty = false;
  const redraw = (): void => {
    dirty = false;
    let text = drawn ? `\x1b[${drawn}A` : '';
    for (const [id, d] of devices) {
      const f = d.total ? d.reached / d.total : 1;
      text += `\x1b[2K${id.padEnd(22).slice(0, 22)} ${d.transport.padEnd(4)} ${bar(f)} ${(f * 100).toFixed(0).padStart(3)}% ${d.file}\n`;
    }
    drawn = devices.size;
    process.stdout.write(text);
  };
  const timer = mode === 'tty' ? setInterval(() => { if (dirty) redraw(); }, 100) : undefined;
  return {
    progress(e) {
      const d = devices.get(e.device) ?? { file: e.file, transport: e.transport, reached: 0, total: e.total };
      if (d.file !== e.file) Object.assign(d, { file: e.file, reached: 0 });
      d.transport = e.transport;
      d.total = e.total;
      d.reached = Math.max(e.offset === 0 ? 0 : d.reached, e.offset + e.length);
      devices.set(e.device, d);
      if (mode === 'tty') dirty = true;
      else if (mode === 'json') {
        // one line per device per 5% (and the last block), not one per block
        const step = Math.floor((d.reached / Math.max(1, d.total)) * 20);
        if (lastJson.get(e.device) !== step) {
          lastJson.set(e.device, step);
          out(JSON.stringify({ event: 'progress', device: e.device, transport: e.transport, file: d.file, received: d.reached, total: d.total }));
        }
      }
    },
    report(e) {
      const hexed = Buffer.from(e.bytes).toString('hex');
      if (mode === 'json') out(JSON.stringify({ event: 'report', device: e.device, transport: e.transport, report: hexed }));
      else this.line(`report from ${e.device} over ${e.transport}: ${e.bytes.length} bytes`);
    },
    line(text) {
      if (mode === 'tty' && drawn) {
        process.stdout.write(`\x1b[${drawn}A\x1b[J`);
        drawn = 0;
        out(text);
        redraw();
      } else out(text);
    },
    close() {
      if (timer) clearInterval(timer);
      if (mode === 'tty' && dirty) redraw();
    },
  };
}
