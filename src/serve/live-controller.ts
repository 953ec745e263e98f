/**
 * Controllers for the live viewer: a checkpoint's SNN policy (through the shared loadPolicy), or a fresh
 * network of a preset.
 */
import { basename, isAbsolute, relative } from "node:path";
import { DEFAULT_AGENT } from "../../agents/index.ts";
import { SpikelocoError } from "../core/errors.ts";
import type { Env } from "../env/types.ts";
import { loadAgentSpec } from "../policy/presets.ts";
import { loadPolicy } from "../policy/load.ts";
import { createPolicy, type NormalizerTransform } from "../policy/policy.ts";
import { buildLayout, hasModulator, initParams } from "../snn/layout.ts";
import { isPlastic, preSize, type NetworkSpec, type ProjectionName } from "../snn/spec.ts";
import type { LiveController } from "./live.ts";

export { DEFAULT_AGENT };

export interface ControllerSource {
  spec: NetworkSpec;
  params: Float32Array;
  normalizer: NormalizerTransform | null;
  label: string;
  untrained: boolean;
}

/** The plastic projection shown in the heat map: recurrent when plastic, else input. */
function shownProjection(spec: NetworkSpec): ProjectionName | null {
  if (isPlastic(spec, "recurrent")) return "recurrent";
  if (isPlastic(spec, "input")) return "input";
  return null;
}

/** Wrap an SNN policy (normalise -> kernel net -> scaled action) for the live simulation. */
export function snnController(src: ControllerSource, env: Env, options: { freezePlasticity?: boolean } = {}): LiveController {
  const policy = createPolicy(src.spec, src.params, src.normalizer, env.actionSpace);
  // Ablation: H stays at its reset value (zero), so the network runs on its fixed weights W.
  if (options.freezePlasticity) policy.net.freezePlasticity(true);
  if (policy.obsDim !== env.observationSpace.shape[0] || policy.actDim !== env.actionSpace.shape[0]) {
    throw new SpikelocoError(
      `controller expects ${policy.obsDim} observations and ${policy.actDim} actions; env '${env.id}' has ${env.observationSpace.shape[0]} and ${env.actionSpace.shape[0]}`,
      "checkpoint",
    );
  }
  const net = policy.net;
  const projection = shownProjection(src.spec);
  const layout = buildLayout(src.spec);
  const rows = projection ? preSize(src.spec, projection) : 0;
  const cols = src.spec.hidden.size;
  const alpha = projection ? layout.view(src.params, `${projection}.alpha`) : null;
  const change = new Float32Array(rows * cols);
  const nHid = net.hiddenSize;
  const neuron = src.spec.hidden.neuron;
  return {
    info: {
      label: options.freezePlasticity ? `${src.label} [plasticity frozen]` : src.label,
      untrained: src.untrained,
      hiddenSize: nHid,
      neuron: { model: neuron.model, threshold: src.spec.hidden.learnThreshold ? null : neuron.threshold },
      modulators: hasModulator(src.spec) ? 1 : 0,
      plastic: projection ? { projection, pre: rows, post: cols } : null,
    },
    reset: () => policy.reset(),
    act: (obs, action) => {
      policy.act(obs, action);
    },
    hiddenSpikes: () => net.hiddenSpikes.subarray(0, nHid),
    hiddenVoltages: () => net.hiddenVoltage.subarray(0, nHid),
    modulators: (out) => {
      if (out.length > 0) out[0] = net.modulator[0]!;
    },
    plasticChange: () => {
      if (!projection || !alpha) return null;
      const H = net.plasticTrace(projection, 0);
      if (!H) return null;
      // The effective weight is W + alpha ⊙ H; alpha ⊙ H is what plasticity changed this episode.
      for (let k = 0; k < change.length; k++) change[k] = alpha[k]! * H[k]!;
      return change;
    },
  };
}

function identityNormalizer(dim: number, clip = 5): NormalizerTransform {
  return { shift: new Float32Array(dim), scale: new Float32Array(dim).fill(1), clip };
}

/** A freshly initialised network of a preset (what `watch` shows without a checkpoint). */
export async function freshController(env: Env, agent = DEFAULT_AGENT, seed = 0, overrides: Record<string, unknown> = {}): Promise<ControllerSource> {
  const obsDim = env.observationSpace.shape[0];
  const spec = await loadAgentSpec(agent, { obsDim, actDim: env.actionSpace.shape[0] }, overrides);
  return {
    spec,
    params: initParams(spec, seed),
    normalizer: identityNormalizer(obsDim),
    label: `${agent} (fresh, untrained: no checkpoint)`,
    untrained: true,
  };
}

/** The controller stored in a checkpoint directory, plus the env (id, options) and conditions it was trained on. */
export async function checkpointController(
  dir: string,
): Promise<ControllerSource & { envId: string | null; envOptions: Record<string, unknown>; conditions: unknown; generation: number }> {
  const p = await loadPolicy(dir);
  return {
    spec: p.spec,
    params: p.params,
    normalizer: p.normalizer,
    label: `${p.agent ?? "snn"} from ${displayPath(dir)} (generation ${p.generation})`,
    untrained: false,
    envId: p.env?.envId ?? null,
    envOptions: p.env?.envOptions ?? {},
    conditions: p.checkpoint.config.conditions ?? null,
    generation: p.generation,
  };
}

/** A path as shown to viewers: relative to the working directory when inside it, else its last part (never absolute). */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) return rel;
  return basename(path) || ".";
}
