/** The agent presets (owned by the SNN side), resolved for an env's observation and action sizes. */
import { loadAgent } from "../../agents/index.ts";
import type { NetworkSpec } from "../snn/spec.ts";

export async function loadAgentSpec(name: string, dims: { obsDim: number; actDim: number }, overrides: Record<string, unknown> = {}): Promise<NetworkSpec> {
  return loadAgent(name, dims, overrides);
}
