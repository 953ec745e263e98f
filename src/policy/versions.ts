/** Versions recorded in checkpoints and reports (what a result was produced with). */
import { dependencyVersion, packageVersion } from "../core/package.ts";
import { RAPIER_PACKAGE } from "../physics/rapier.ts";

let cached: Record<string, string> | null = null;

export function collectVersions(): Record<string, string> {
  cached ??= {
    spikeloco: packageVersion(),
    node: process.version,
    rapier: `${RAPIER_PACKAGE}@${dependencyVersion(RAPIER_PACKAGE)}`,
    tfjs: dependencyVersion("@tensorflow/tfjs"),
  };
  return { ...cached };
}
