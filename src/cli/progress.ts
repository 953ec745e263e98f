/**
 * The one progress display of the CLI (training generations or seconds, evaluation episodes), on stderr
 * so stdout stays clean for --json: a cli-progress bar with elapsed time and ETA on a terminal, a plain
 * line every few seconds otherwise (logs, CI, pipes). Library code only emits progress events
 * (onGeneration, onProgress); the commands draw them here.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** `status`: extra fields shown after the counts (current return, speed...). */
  update(done: number, status?: Record<string, string | number>): void;
  stop(): void;
}

const LINE_EVERY_MS = 3000;

function statusText(status: Record<string, string | number> | undefined, sep: string): string {
  return Object.entries(status ?? {}).map(([k, v]) => `${k} ${v}`).join(sep);
}

export function createProgress(total: number, unit: string, label: string): Progress {
  if (!process.stderr.isTTY) {
    let last = 0;
    const started = Date.now();
    return {
      update(done, status) {
        const now = Date.now();
        if (now - last < LINE_EVERY_MS && done < total) return;
        last = now;
        const elapsed = (now - started) / 1000;
        const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
        const extras = statusText(status, "  ");
        process.stderr.write(
          `${label} ${Math.round(done)}/${total} ${unit}  ${elapsed.toFixed(0)} s elapsed  ETA ${Number.isFinite(eta) ? eta.toFixed(0) + " s" : "?"}${extras ? "  " + extras : ""}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted} | ETA {eta_formatted} {status}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: "" });
  let stopped = false;
  return {
    update(done, status) {
      bar.update(Math.min(Math.round(done), total), { status: statusText(status, " ") });
    },
    stop() {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

/** A bar drawn from `onProgress(done, total)` events (created at the first one, when the total is known). */
export function progressFromEvents(unit: string, label: string): { onProgress: (done: number, total: number) => void; stop: () => void } {
  let progress: Progress | null = null;
  return {
    onProgress(done, total) {
      progress ??= createProgress(total, unit, label);
      progress.update(done);
    },
    stop: () => progress?.stop(),
  };
}
