/**
 * Robot files on disk: URDF (.urdf), MJCF (.xml / .mjcf) or a RobotDescription written by
 * `spikeloco robot import --out` (.json). Mesh paths resolve against the robot file's folder
 * (`package://pkg/x.stl` -> x.stl below that folder or its parents, by the path after the package name).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { SpikelocoError } from "../../core/errors.ts";
import type { RobotDescription } from "../robot.ts";
import { robotMass, validateRobot } from "../robot.ts";
import type { ImportOptions, ImportResult } from "./assemble.ts";
import { importMjcf } from "./mjcf.ts";
import { importUrdf } from "./urdf.ts";

export type RobotFileKind = "urdf" | "mjcf" | "json";

export function robotFileKind(path: string): RobotFileKind {
  if (/\.urdf$/i.test(path)) return "urdf";
  if (/\.(xml|mjcf)$/i.test(path)) return "mjcf";
  if (/\.json$/i.test(path)) return "json";
  throw new SpikelocoError(`'${path}' is not a robot file (.urdf, .xml/.mjcf or a robot .json)`, "robot");
}

/** A reader for the mesh files a robot file names, relative to its folder. */
export function meshReader(robotPath: string): (file: string) => Uint8Array | undefined {
  const base = dirname(resolve(robotPath));
  return (file: string) => {
    const candidates: string[] = [];
    const pkg = /^package:\/\/[^/]+\/(.*)$/.exec(file);
    if (pkg) {
      for (let dir = base, k = 0; k < 4; k++, dir = dirname(dir)) candidates.push(join(dir, pkg[1]!));
    } else if (/^file:\/\//.test(file)) {
      candidates.push(file.slice("file://".length));
    } else {
      candidates.push(isAbsolute(file) ? file : join(base, file));
    }
    const hit = candidates.find((c) => existsSync(c));
    return hit ? new Uint8Array(readFileSync(hit)) : undefined;
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new SpikelocoError(`cannot read '${path}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, what);
  }
}

/** A robot description from a JSON value, validated (the shape as well as the structure). */
export function robotFromJson(value: unknown, source: string): RobotDescription {
  const r = value as RobotDescription;
  if (!r || typeof r !== "object" || !Array.isArray(r.bodies) || !Array.isArray(r.joints) || !Array.isArray(r.feet) || !Array.isArray(r.legs) || typeof r.name !== "string" || typeof r.spawnHeight !== "number") {
    throw new SpikelocoError("not a robot description (expects name, bodies, joints, feet, legs, spawnHeight)", source);
  }
  validateRobot(r);
  return r;
}

/** Read and import a robot file. */
export function loadRobotFile(path: string, options: ImportOptions = {}): ImportResult {
  const kind = robotFileKind(path);
  const text = readText(path, "robot");
  const opts: ImportOptions = { source: path, readFile: meshReader(path), ...options };
  if (kind === "urdf") return importUrdf(text, opts);
  if (kind === "mjcf") return importMjcf(text, opts);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SpikelocoError(`not valid JSON (${(e as Error).message})`, path);
  }
  const robot = robotFromJson(json, path);
  return { robot, warnings: [], actuated: robot.joints.filter((j) => j.kp > 0).map((j) => j.name) };
}

export interface RobotSummary {
  name: string;
  bodies: number;
  joints: number;
  actuated: number;
  feet: string[];
  mass: number;
  rest_height: number;
  warnings: string[];
}

/** The `robot import` summary: counts, foot bodies, total mass (kg) and rest height (m). */
export function summarize(result: ImportResult): RobotSummary {
  const r = result.robot;
  return {
    name: r.name,
    bodies: r.bodies.length,
    joints: r.joints.length,
    actuated: result.actuated.length,
    feet: r.feet.map((f) => r.bodies[f.body]!.name),
    mass: robotMass(r),
    rest_height: r.spawnHeight,
    warnings: result.warnings,
  };
}
