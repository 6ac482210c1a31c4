// Progress of long work: a cli-progress bar on a TTY; plain lines otherwise (CI
// logs, pipes), at most one per tenth of the work so logs stay short.
import cliProgress from 'cli-progress';
import type { Progress } from './registry.js';

export function makeProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {duration_formatted} (eta {eta_formatted})`, stream, hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    let finished = false;
    return {
      tick: (n = 1) => bar.increment(n),
      done: () => {
        if (finished) return;
        finished = true;
        bar.stop();
      },
    };
  }
  let value = 0;
  let shown = -1;
  const t0 = performance.now();
  const line = (): void => {
    stream.write(`${label}: ${value}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  };
  let finished = false;
  return {
    tick: (n = 1) => {
      value += n;
      const decile = total > 0 ? Math.floor((value * 10) / total) : 10;
      if (decile > shown && value < total) {
        shown = decile;
        line();
      }
    },
    done: () => {
      if (finished) return;
      finished = true;
      line();
    },
  };
}
