/**
 * A named, seeded experiment from the seed papers, run by `spikeloco repro <name>`.
 * Each experiment is one module in this folder exporting `experiment`.
 */
export interface ReproOptions {
  seed: number;
  /** Progress lines (to stderr in the CLI). */
  log: (message: string) => void;
  /** Experiments with a training phase (adaptation): rerun (resume) it instead of using shipped checkpoints. */
  train?: boolean | undefined;
  /** Wall-clock budget for training in this invocation. */
  minutes?: number | undefined;
  /** Worker threads. */
  workers?: number | undefined;
  /** Evaluation episodes per training seed. */
  episodes?: number | undefined;
  /** Training seeds. */
  trainSeeds?: number[] | undefined;
  /** Where training runs live. */
  out?: string | undefined;
  /** Adaptation: evaluate on validation conditions from the training distribution instead of the held-out ones. */
  validation?: boolean | undefined;
  /** After training, copy the first seed's runs into the zoo (adaptation). */
  ship?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface ReproExperiment {
  name: string;
  summary: string;
  run(options: ReproOptions): Promise<Record<string, unknown>>;
  /** Human rendering of the figures; JSON pretty-print when absent. */
  format?(figures: Record<string, unknown>): string;
}
