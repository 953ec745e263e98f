/**
 * An error caused by the user's input (a config, a flag, a file, a message) rather than by a bug.
 * The CLI prints its message as a one-line reason and exits non-zero; servers answer it to the client.
 * `path` names the offending field (e.g. "conditions.obsNoise.sigma").
 */
export class SpikelocoError extends Error {
  readonly path: string | undefined;

  constructor(message: string, path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = "SpikelocoError";
    this.path = path;
  }
}

export function isSpikelocoError(err: unknown): err is SpikelocoError {
  return err instanceof SpikelocoError;
}
