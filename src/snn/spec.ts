/**
 * The JSON network description shared by both engines.
 *
 * One step (dt ms) of the network, per batch element:
 *  1. encoder: obs x -> currents c (direct: gain*x+bias; grf: gain*exp(-(x-c_k)^2/2s^2)+bias),
 *     input LIF neurons v = l_in*v + c, spike s = [v >= 1], v -= s.
 *  2. delivered presynaptic signals: input spikes s(t) and hidden spikes z(t-1), each read through an
 *     optional delay d (per axon or per synapse, fractional by linear interpolation of the spike history).
 *  3. hidden current I_j = bias_j + sum_i x_ij (W_ij + alpha_ij H_ij) over the input and recurrent projections.
 *  4. hidden neurons (lif | alif | izhikevich | stdpLif) -> spikes z(t).
 *  5. modulator m = tanh(v . z + b), M_j = m (scalar) or m * f_j (perPost).
 *  6. plastic update of H (clipped to [-clip, clip]) from pre x, post z, traces, M, eta.
 *  7. decoder: leaky y = l_o*y + (1-l_o) Wout.z, action = tanh(y + b); or count: output LIF spikes
 *     counted over a window, action = 2*count/window - 1.
 * See rules.ts for the plasticity terms and reference.ts (float64, dense) for the neuron updates.
 */
import { z } from "zod";
import { SpikelocoError } from "../core/errors.ts";

export const NEURON_MODELS = ["lif", "alif", "izhikevich", "stdpLif"] as const;
export const RULES = ["none", "hebb", "oja", "bcm", "stdp"] as const;
export const SURROGATES = ["fastSigmoid", "triangular", "gaussian", "refractoryNegative"] as const;

export type NeuronModel = (typeof NEURON_MODELS)[number];
export type PlasticityRule = (typeof RULES)[number];
export type SurrogateKind = (typeof SURROGATES)[number];

const pos = z.number().positive("must be > 0");
const nonneg = z.number().nonnegative("must be >= 0");
const count = z.number().int("must be an integer").positive("must be >= 1");

const lifSchema = z.object({
  model: z.literal("lif"),
  tau: pos.default(20),
  threshold: pos.default(1),
  reset: z.enum(["zero", "subtract"]).default("subtract"),
  refractory: z.number().int("must be an integer").nonnegative("must be >= 0").default(0),
}).strict();

const alifSchema = z.object({
  model: z.literal("alif"),
  tau: pos.default(20),
  threshold: pos.default(1),
  reset: z.enum(["zero", "subtract"]).default("subtract"),
  refractory: z.number().int("must be an integer").nonnegative("must be >= 0").default(0),
  tauAdapt: pos.default(200),
  beta: nonneg.default(0.2),
}).strict();

const izhikevichSchema = z.object({
  model: z.literal("izhikevich"),
  a: z.number().default(0.02),
  b: z.number().default(0.2),
  c: z.number().default(-65),
  d: z.number().default(8),
  /** spike peak (mV). */
  threshold: z.number().default(30),
  /** synaptic input is multiplied by this before entering the Izhikevich current. */
  inputScale: z.number().default(10),
}).strict();

const stdpLifSchema = z.object({
  model: z.literal("stdpLif"),
  tau: pos.default(20),
  threshold: pos.default(1),
  refractory: count.default(2),
}).strict();

const neuronSchema = z.discriminatedUnion("model", [lifSchema, alifSchema, izhikevichSchema, stdpLifSchema]);

const delaySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z.object({
    kind: z.enum(["axon", "synapse"]),
    /** largest delay in steps (delays are clamped to [0, max]). */
    max: count,
    /** initial delays (steps): a constant or "uniform" on [0, max]. */
    init: z.union([nonneg, z.literal("uniform")]).default("uniform"),
  }).strict(),
]);

const projectionSchema = z.object({
  enabled: z.boolean().default(true),
  plastic: z.boolean().default(true),
  delay: delaySchema.default({ kind: "none" }),
  /** std of the Gaussian W init, times 1/sqrt(fan-in). */
  initScale: nonneg.default(1),
}).strict();

const encoderSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("direct"), size: count, tau: pos.default(5) }).strict(),
  z.object({
    kind: z.literal("grf"),
    size: count,
    centers: count.default(5),
    sigma: pos.default(0.5),
    low: z.number().default(-2),
    high: z.number().default(2),
    tau: pos.default(5),
  }).strict(),
]);

const decoderSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("leaky"), size: count, tau: pos.default(10) }).strict(),
  z.object({ kind: z.literal("count"), size: count, window: count.default(10), tau: pos.default(5) }).strict(),
]);

const plasticitySchema = z.object({
  rule: z.enum(RULES).default("none"),
  modulated: z.boolean().default(false),
  fanout: z.enum(["scalar", "perPost"]).default("perPost"),
  /** low-pass filtered Hebbian term: E = l_e E + term, dH = eta M E. null = no eligibility trace. */
  eligibilityTau: pos.nullable().default(null),
  /** H relaxes toward 0 with this time constant (steps): H = clip(l_h H + dh), l_h = exp(-dt/decayTau); null = H changes only by the rule. */
  decayTau: pos.nullable().default(null),
  eta: z.enum(["projection", "synapse"]).default("projection"),
  etaInit: z.number().default(0.05),
  /**
   * Initial std of the plastic gains alpha, times sqrt(nPre) (as projections.<p>.initScale is for W).
   * With 0.1 and |H| ~ 0.3, alpha*H starts at ~3% of W, and ES with init-rms scaling searches alpha in
   * steps of its own size, so the plastic share of the weight stays near where it started.
   */
  alphaInitScale: nonneg.default(0.1),
  clip: pos.default(2),
  tauPlus: pos.default(20),
  tauMinus: pos.default(20),
  tauRate: pos.default(50),
  tauTheta: pos.default(200),
  /**
   * BCM target rate r0 (spikes per step): the threshold is theta = <r^2> / r0, so a neuron firing
   * steadily at r potentiates below r0 and depresses above it (phi = r (r - <r^2>/r0) = r^2 (1 - r/r0)).
   * 1 = the threshold <r^2> of specs made before r0 existed, which almost never depresses (r <= 1).
   */
  bcmTargetRate: pos.default(1),
}).strict();

const surrogateSchema = z.object({
  kind: z.enum(SURROGATES).default("fastSigmoid"),
  /** sharpness: fastSigmoid 1/(1+s|x|)^2, triangular max(0,1-s|x|), gaussian exp(-(s x)^2/2). */
  scale: pos.default(5),
  /** multiplier of the pseudo-derivative (and its negative value in refractoriness). */
  gamma: pos.default(1),
}).strict();

export const networkSpecSchema = z.object({
  version: z.literal(1).default(1),
  dt: pos.default(1),
  encoder: encoderSchema,
  hidden: z.object({
    size: count,
    neuron: neuronSchema,
    /** per-neuron learned thresholds (layout entry hidden.threshold); lif, alif and stdpLif only. */
    learnThreshold: z.boolean().default(false),
    /** per-neuron learned membrane time constants (layout entry hidden.tau); lif, alif and stdpLif only. */
    learnTau: z.boolean().default(false),
  }).strict(),
  projections: z.object({
    input: projectionSchema.prefault({}),
    recurrent: projectionSchema.prefault({ initScale: 0.5 }),
  }).strict().prefault({}),
  plasticity: plasticitySchema.prefault({}),
  surrogate: surrogateSchema.prefault({}),
  decoder: decoderSchema,
}).strict();

export type NetworkSpec = z.output<typeof networkSpecSchema>;
export type NetworkSpecInput = z.input<typeof networkSpecSchema>;
export type NeuronSpec = NetworkSpec["hidden"]["neuron"];
export type DelaySpec = z.output<typeof delaySchema>;
export type ProjectionSpec = z.output<typeof projectionSchema>;
export type ProjectionName = "input" | "recurrent";

/** Parse and validate a network description; errors name the offending field (e.g. "hidden.neuron.tau"). */
export function parseNetworkSpec(json: unknown): NetworkSpec {
  const r = networkSpecSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "invalid_union" && path.endsWith("neuron.model")) message = `unknown neuron model (expected one of ${NEURON_MODELS.join(", ")})`;
    else if (issue.code === "invalid_union") message = `unknown value: ${message}`;
    throw new SpikelocoError(message, path ? `spec.${path}` : "spec");
  }
  const spec = r.data;
  if (spec.hidden.neuron.model === "izhikevich") {
    // No engine reads these for Izhikevich neurons: a learned vector would sit in the layout unused.
    if (spec.hidden.learnThreshold) throw new SpikelocoError("not supported for izhikevich (its spike peak is fixed)", "spec.hidden.learnThreshold");
    if (spec.hidden.learnTau) throw new SpikelocoError("not supported for izhikevich (it has no membrane time constant)", "spec.hidden.learnTau");
  }
  if (spec.plasticity.rule === "stdp") {
    for (const name of ["input", "recurrent"] as const) {
      const p = spec.projections[name];
      if (p.enabled && p.plastic && p.delay.kind === "synapse") {
        throw new SpikelocoError("pair STDP needs one presynaptic trace per axon; use axon delays with rule 'stdp'", `spec.projections.${name}.delay.kind`);
      }
    }
  }
  if (spec.encoder.kind === "grf" && !(spec.encoder.high > spec.encoder.low)) {
    throw new SpikelocoError("must be greater than encoder.low", "spec.encoder.high");
  }
  return spec;
}

/** Number of encoder (input) neurons. */
export function encodedSize(spec: NetworkSpec): number {
  return spec.encoder.kind === "grf" ? spec.encoder.size * spec.encoder.centers : spec.encoder.size;
}

export function isPlastic(spec: NetworkSpec, name: ProjectionName): boolean {
  const p = spec.projections[name];
  return p.enabled && p.plastic && spec.plasticity.rule !== "none";
}

export function preSize(spec: NetworkSpec, name: ProjectionName): number {
  return name === "input" ? encodedSize(spec) : spec.hidden.size;
}
