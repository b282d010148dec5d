// A one-line progress bar for hashing large images. Shown only on a terminal, redrawn
// at most every 1% so a CI log never fills with carriage returns.

const MIB = 1024 * 1024;

/** "hashing app.bin [##########----------]  50%  12.0/24.0 MiB" */
export function renderProgress(label: string, done: number, total: number, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}  ${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB`;
}

export interface ProgressSink {
  write(text: string): void;
}

/** Returns an onProgress callback that draws to `sink`, or undefined when there is nothing to show. */
export function progressBar(sink: ProgressSink | undefined, label: string, total: number, minBytes = 4 * MIB): ((done: number) => void) | undefined {
  if (!sink || total < minBytes) return undefined;
  let lastPercent = -1;
  return (done: number) => {
    const percent = Math.floor((100 * done) / total);
    if (percent === lastPercent) return;
    lastPercent = percent;
    sink.write(`\r${renderProgress(label, done, total)}${done >= total ? '\n' : ''}`);
  };
}
