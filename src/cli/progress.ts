/** Progress bar with ETA and the current return, on stderr (stdout stays clean for --json). */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, payload: Record<string, string | number>): void;
  stop(): void;
}

export function createProgress(total: number, unit: "gen" | "s", label: string): Progress {
  if (!process.stderr.isTTY) {
    // Non-interactive: one plain line per update (logs, CI, pipes).
    let last = 0;
    return {
      update(done, payload) {
        const now = Date.now();
        if (now - last < 2000 && done < total) return;
        last = now;
        const extras = Object.entries(payload).map(([k, v]) => `${k} ${v}`).join("  ");
        process.stderr.write(`${label} ${Math.round(done)}/${total} ${unit}  ${extras}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} ${unit} | ETA {eta_formatted} | {status}`,
      hideCursor: true,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: "starting" });
  return {
    update(done, payload) {
      const status = Object.entries(payload).map(([k, v]) => `${k} ${v}`).join(" ");
      bar.update(Math.min(Math.round(done), total), { status });
    },
    stop() {
      bar.stop();
    },
  };
}
