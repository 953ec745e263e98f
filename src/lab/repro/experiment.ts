/**
 * A named, seeded experiment from the seed papers, run by `spikeloco repro <name>`.
 * Each experiment is one module in this folder exporting `experiment`.
 */
export interface ReproOptions {
  seed: number;
  /** Progress lines (to stderr in the CLI). */
  log: (message: string) => void;
}

export interface ReproExperiment {
  name: string;
  summary: string;
  run(options: ReproOptions): Promise<Record<string, unknown>>;
  /** Human rendering of the figures; JSON pretty-print when absent. */
  format?(figures: Record<string, unknown>): string;
}
