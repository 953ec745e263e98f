/**
 * Progress with ETA and the current figures, on stderr (stdout stays clean for --json): a bar on a
 * terminal, a plain line every few seconds otherwise. Training by --minutes knows its deadline, so the
 * ETA is the time left to it; otherwise the ETA is the mean time per unit so far times the units left.
 */
import cliProgress from "cli-progress";
import { currentIo } from "./output.ts";

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  unit: string;
  label: string;
  /** Date.now() at which the work stops (training by time). */
  deadline?: number | undefined;
  /** Seconds between plain lines when stderr is not a terminal. */
  every?: number | undefined;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function createProgress(o: ProgressOptions): Progress {
  const started = Date.now();
  const eta = (done: number): string => {
    if (o.deadline !== undefined) {
      const left = (o.deadline - Date.now()) / 1000;
      return left > 0 ? formatDuration(left) : "0s (finishing the current step)";
    }
    if (done <= 0) return "?";
    return formatDuration((((Date.now() - started) / 1000) * (o.total - done)) / done);
  };
  const stderr = currentIo().stderr;
  let stopped = false;
  if (!stderr.isTTY) {
    let last = 0;
    return {
      update(done, payload = {}) {
        const now = Date.now();
        if (now - last < (o.every ?? 2) * 1000 && done < o.total) return;
        last = now;
        const extras = Object.entries(payload).map(([k, v]) => `${k} ${v}`).join("  ");
        stderr.write(`${o.label} ${Math.min(Math.round(done), o.total)}/${o.total} ${o.unit}  ETA ${eta(done)}${extras ? "  " + extras : ""}\n`);
      },
      stop() {
        stopped = true;
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr as NodeJS.WriteStream,
      format: `${o.label} [{bar}] {value}/{total} ${o.unit} | ETA {etaText} | {status}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(o.total, 0, { status: "starting", etaText: eta(0) });
  return {
    update(done, payload = {}) {
      if (stopped) return;
      const status = Object.entries(payload).map(([k, v]) => `${k} ${v}`).join(" ");
      bar.update(Math.min(Math.round(done), o.total), { status, etaText: eta(done) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** A bar drawn from `onProgress(done, total)` events (created at the first one, when the total is known). */
export function progressFromEvents(unit: string, label: string): { onProgress: (done: number, total: number) => void; stop: () => void } {
  let progress: Progress | null = null;
  return {
    onProgress(done, total) {
      progress ??= createProgress({ total, unit, label, every: 3 });
      progress.update(done);
    },
    stop: () => progress?.stop(),
  };
}
