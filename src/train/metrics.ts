/**
 * metrics.jsonl: one JSON object per generation, appended and flushed as each generation ends.
 * On resume the file is cut back to the checkpoint's generation so it matches an uninterrupted run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const METRICS_FILE = "metrics.jsonl";

export interface GenerationMetrics {
  generation: number;
  [key: string]: unknown;
}

export class MetricsLog {
  readonly path: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, METRICS_FILE);
  }

  append(row: GenerationMetrics): void {
    appendFileSync(this.path, JSON.stringify(row) + "\n");
  }

  read(): GenerationMetrics[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as GenerationMetrics];
        } catch {
          return []; // a line cut by a kill mid-append
        }
      });
  }

  /** Keep rows of generations < `generation` (those already covered by a checkpoint). */
  truncateTo(generation: number): void {
    const kept = this.read().filter((r) => r.generation < generation);
    writeFileSync(this.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  }
}
