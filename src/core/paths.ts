/**
 * Output paths checked before any work: a path that cannot be written becomes a one-line SpikelocoError
 * naming the flag and the path, instead of a crash (or a lost result) after the work is done.
 *
 * The checks write nothing that outlives them: writability is probed with a temporary folder that is
 * removed at once. Folders are created one level at a time (`makeDirs`), because Node's recursive mkdir
 * loops forever under /proc; `removeDirs` undoes a `makeDirs` when a command is refused later on.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmdirSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SpikelocoError } from "./errors.ts";

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "ENOENT":
      return "nothing can be created there";
    default:
      return code ?? (err as Error).message;
  }
}

/** The deepest ancestor of `path` (or `path` itself) that exists, and the names below it that do not. */
function nearestExisting(path: string): { existing: string; stats: Stats; missing: string[] } {
  let p = resolve(path);
  const missing: string[] = [];
  for (;;) {
    const st = statOrNull(p);
    if (st) return { existing: p, stats: st, missing };
    const up = dirname(p);
    missing.unshift(p.slice(up === "/" ? 1 : up.length + 1));
    p = up;
  }
}

/** Create and remove a temporary folder in `dir`: the only reliable test (root passes access(), /proc refuses mkdir). */
function probeWritable(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    const probe = mkdtempSync(join(dir, ".spikeloco-probe-"));
    rmdirSync(probe);
    return null;
  } catch (err) {
    return reason(err);
  }
}

/**
 * `dir` is an existing writable folder, or can be created (every missing level under a writable folder).
 * `what` words the message, e.g. "run folder".
 */
export function checkWritableDir(dir: string, field: string, what = "folder"): void {
  const { existing, stats, missing } = nearestExisting(dir);
  if (!stats.isDirectory()) {
    if (missing.length === 0) throw new SpikelocoError(`'${dir}' is a file, not a ${what}`, field);
    throw new SpikelocoError(`cannot create the ${what} '${dir}': '${existing}' is a file`, field);
  }
  const why = probeWritable(existing);
  if (why) {
    throw new SpikelocoError(missing.length === 0 ? `cannot write in '${dir}' (${why})` : `cannot create the ${what} '${dir}' in '${existing}' (${why})`, field);
  }
}

/** `file` can be written: not a folder, not a device, and its folder exists writable or can be created. */
export function checkWritableFile(file: string, field: string): void {
  if (file === "" || /[\\/]$/.test(file)) throw new SpikelocoError(`'${file}' names a folder; give a file path`, field);
  const st = statOrNull(file);
  if (st?.isDirectory()) throw new SpikelocoError(`'${file}' is a folder; give a file path`, field);
  if (st && !st.isFile()) throw new SpikelocoError(`'${file}' is not a regular file`, field);
  const parent = dirname(resolve(file));
  const { existing, stats, missing } = nearestExisting(parent);
  if (!stats.isDirectory()) throw new SpikelocoError(`cannot create the folder for ${file}: '${existing}' is a file`, field);
  const why = probeWritable(existing);
  if (why) {
    throw new SpikelocoError(missing.length === 0 ? `cannot write '${file}' (${why})` : `cannot create the folder for ${file} in '${existing}' (${why})`, field);
  }
  if (st) {
    try {
      accessSync(file, constants.W_OK);
    } catch (err) {
      throw new SpikelocoError(`cannot write '${file}' (${reason(err)})`, field);
    }
  }
}

/** Create `dir` level by level; returns the folders it created (deepest last) for `removeDirs`. */
export function makeDirs(dir: string, field: string): string[] {
  const { existing, stats, missing } = nearestExisting(dir);
  if (!stats.isDirectory()) throw new SpikelocoError(`cannot create '${dir}': '${existing}' is a file`, field);
  const created: string[] = [];
  let p = existing;
  for (const name of missing) {
    p = join(p, name);
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && statOrNull(p)?.isDirectory()) continue;
      removeDirs(created);
      throw new SpikelocoError(`cannot create '${p}' (${reason(err)})`, field);
    }
    created.push(p);
  }
  return created;
}

/** Remove folders made by `makeDirs` that are still empty (deepest first); never anything else. */
export function removeDirs(created: readonly string[]): void {
  for (const p of [...created].reverse()) {
    try {
      rmdirSync(p);
    } catch {
      return; // not empty: something was written there, keep it and its parents
    }
  }
}
