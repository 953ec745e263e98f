/** Episode progress on stderr: a cli-progress bar on a terminal, a plain line every few seconds otherwise. */
import cliProgress from "cli-progress";

export interface EvalProgress {
  update(done: number): void;
  stop(): void;
}

export function createEvalProgress(total: number, label: string): EvalProgress {
  if (!process.stderr.isTTY) {
    let last = 0;
    const started = Date.now();
    return {
      update(done) {
        const now = Date.now();
        if (now - last < 3000 && done < total) return;
        last = now;
        const elapsed = (now - started) / 1000;
        const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
        process.stderr.write(`${label} ${done}/${total} episodes  ${elapsed.toFixed(0)} s elapsed  ETA ${Number.isFinite(eta) ? eta.toFixed(0) + " s" : "?"}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} episodes | {duration_formatted} | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
