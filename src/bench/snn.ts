/** Measurements behind `spikeloco bench snn` (all in one process, side by side). */
import * as tf from "@tensorflow/tfjs";
import { listAgents, loadAgent } from "../../agents/index.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import { createKernelNet, KERNELS, resolveKernel, type KernelKind } from "../snn/kernel.ts";
import { initParams } from "../snn/layout.ts";
import { isPlastic, preSize, type NetworkSpec } from "../snn/spec.ts";
import { createTensorNet, selectTensorBackend } from "../snn/tensor.ts";
import { randomInputs } from "../snn/variants.ts";

export interface SnnBenchOptions {
  agent: string;
  kernelSteps: number;
  tensorSteps: number;
  bpttSteps: number;
  bpttBatches: number[];
  rules: boolean;
  seed: number;
  log: (m: string) => void;
}

export interface SnnBenchEngineRow {
  batch: number;
  /** the kernel this row times: the default one (what createKernelNet picks here) comes first for each batch. */
  kernel: KernelKind;
  kernel_ns_per_synapse_step: number;
  tensor_ns_per_synapse_step: number;
  ratio_tensor_over_kernel: number;
  kernel_us_per_step: number;
  tensor_us_per_step: number;
  kernel_wall_ns_per_synapse_step: number;
  tensor_wall_ns_per_synapse_step: number;
  kernel_spike_rate: number;
}

export interface SnnBenchResult {
  tensor_backend: string;
  /** the kernel createKernelNet picks in this process (targets are judged on it). */
  default_kernel: KernelKind;
  network: { agent: string; inputs: number; hidden: number; outputs: number; plastic_synapses: number; params: number };
  /** one row per batch size and kernel, both kernels timed in interleaved rounds in this run. */
  engines: SnnBenchEngineRow[];
  /** js kernel time over wasm-simd kernel time, per batch size (same run, interleaved). */
  kernel_speedup: Array<{ batch: number; js_over_wasm_simd: number }>;
  bptt: Array<{ batch: number; steps: number; bptt_ms_per_episode: number; peak_tensor_bytes: number; rss_peak_bytes: number }>;
  kernel_by_rule: Array<{ agent: string; kernel: KernelKind; kernel_ns_per_synapse_step: number }>;
  targets: { kernel_le_0_6ns_at_b1: boolean; kernel_ge_50x_tensor_at_b1: boolean; kernel_le_1_5ns_at_b1: boolean; kernel_ge_5x_tensor_at_b1: boolean };
  note: string;
}

const REF = { obsDim: 32, actDim: 8 };
/** The reference network of the issue: 128 recurrent hidden neurons (the presets use 64). */
const REF_OVERRIDES = { hidden: { size: 128 } };

function plasticSynapses(spec: NetworkSpec): number {
  let n = 0;
  for (const p of ["input", "recurrent"] as const) if (isPlastic(spec, p) || (spec.plasticity.rule === "none" && spec.projections[p].enabled)) n += preSize(spec, p) * spec.hidden.size;
  return n;
}

/** Wall and CPU time (this thread's process; user + system) of fn, in ns. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) * 1000 };
}

/** timed rounds per kernel, interleaved between the kernels */
const ROUNDS = 5;

/**
 * Both kernels on the same spec, params and inputs, timed in ROUNDS interleaved rounds (wasm-simd, js, wasm-simd,
 * ...) so that load on a shared machine falls on both alike; per kernel the median round, in CPU ns per step.
 */
function timeKernels(spec: NetworkSpec, params: Float32Array, batch: number, steps: number, seed: number): Record<KernelKind, { ns: number; wallNs: number; rate: number }> {
  const inputs = randomInputs(seed, 64, batch, spec.encoder.size);
  const out = new Float32Array(batch * spec.decoder.size);
  const nets = KERNELS.map((kernel) => createKernelNet(spec, params, batch, { kernel }));
  for (const net of nets) for (let t = 0; t < Math.min(1000, steps); t++) net.step(inputs[t % 64]!, out); // JIT warm-up
  const per = Math.max(1, Math.round(steps / ROUNDS));
  const rounds = nets.map(() => ({ cpu: [] as number[], wall: [] as number[], spikes: 0, samples: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    nets.forEach((net, k) => {
      const acc = rounds[k]!;
      const tm = timed(() => {
        for (let t = 0; t < per; t++) {
          net.step(inputs[t % 64]!, out);
          if ((t & 15) === 0) {
            for (let q = 0; q < net.hiddenSpikes.length; q++) acc.spikes += net.hiddenSpikes[q]!;
            acc.samples += net.hiddenSpikes.length;
          }
        }
      });
      acc.cpu.push(tm.cpu / per);
      acc.wall.push(tm.wall / per);
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return Object.fromEntries(KERNELS.map((kernel, k) => {
    const acc = rounds[k]!;
    return [kernel, { ns: median(acc.cpu), wallNs: median(acc.wall), rate: acc.spikes / acc.samples }];
  })) as Record<KernelKind, { ns: number; wallNs: number; rate: number }>;
}

function timeTensor(spec: NetworkSpec, params: Float32Array, batch: number, steps: number, seed: number): { ns: number; wallNs: number } {
  const net = createTensorNet(spec);
  net.run(params, randomInputs(seed, 5, batch, spec.encoder.size), batch); // warm-up (kernel compilation)
  const inputs = randomInputs(seed + 1, steps, batch, spec.encoder.size);
  const tm = timed(() => net.run(params, inputs, batch));
  return { ns: tm.cpu / steps, wallNs: tm.wall / steps };
}

export async function runSnnBench(o: SnnBenchOptions): Promise<SnnBenchResult> {
  const spec = loadAgent(o.agent, REF, REF_OVERRIDES);
  const params = initParams(spec, o.seed);
  const syn = plasticSynapses(spec);
  const kernelSteps = (batch: number) => (batch === 1 ? o.kernelSteps : Math.max(10, Math.round(o.kernelSteps / 16)));
  // Kernel timings first: once tfjs is loaded, V8 compiles its WASM module on background threads for a
  // while, which the process CPU clock would charge to whatever runs meanwhile.
  const defaultKernel = resolveKernel();
  const order = [defaultKernel, ...KERNELS.filter((k) => k !== defaultKernel)];
  const kernel = [1, 64].map((batch) => {
    o.log(`kernels (${KERNELS.join(", ")}) B=${batch}: ${kernelSteps(batch)} steps each in ${ROUNDS} interleaved rounds`);
    return timeKernels(spec, params, batch, kernelSteps(batch), o.seed);
  });
  const kernel_by_rule: SnnBenchResult["kernel_by_rule"] = [];
  if (o.rules) {
    for (const { name: agent } of listAgents()) {
      const s = loadAgent(agent, REF, REF_OVERRIDES);
      const k = timeKernels(s, initParams(s, o.seed), 1, Math.max(200, Math.round(o.kernelSteps / 2)), o.seed);
      for (const kind of order) kernel_by_rule.push({ agent, kernel: kind, kernel_ns_per_synapse_step: k[kind].ns / plasticSynapses(s) });
    }
  }
  const backend = await selectTensorBackend();
  const engines: SnnBenchResult["engines"] = [];
  const kernel_speedup: SnnBenchResult["kernel_speedup"] = [];
  for (const [bi, batch] of [1, 64].entries()) {
    const tSteps = batch === 1 ? o.tensorSteps : Math.max(2, Math.round(o.tensorSteps / 4));
    o.log(`tensor (${backend}) B=${batch}: ${tSteps} steps`);
    const tn = timeTensor(spec, params, batch, tSteps, o.seed);
    for (const kind of order) {
      const k = kernel[bi]![kind];
      engines.push({
        batch,
        kernel: kind,
        kernel_ns_per_synapse_step: k.ns / (batch * syn),
        tensor_ns_per_synapse_step: tn.ns / (batch * syn),
        ratio_tensor_over_kernel: tn.ns / k.ns,
        kernel_us_per_step: k.ns / 1000,
        tensor_us_per_step: tn.ns / 1000,
        kernel_wall_ns_per_synapse_step: k.wallNs / (batch * syn),
        tensor_wall_ns_per_synapse_step: tn.wallNs / (batch * syn),
        kernel_spike_rate: k.rate,
      });
    }
    kernel_speedup.push({ batch, js_over_wasm_simd: kernel[bi]!.js.ns / kernel[bi]!["wasm-simd"].ns });
  }
  const bptt: SnnBenchResult["bptt"] = [];
  for (const batch of o.bpttBatches) {
    o.log(`BPTT B=${batch}: ${o.bpttSteps} steps`);
    const net = createTensorNet(spec);
    const inputs = randomInputs(o.seed + 2, o.bpttSteps, batch, spec.encoder.size);
    const rng = new Rng(deriveSeed(o.seed, "bench-targets"));
    const targets = inputs.map(() => Float32Array.from({ length: batch * spec.decoder.size }, () => rng.range(-0.5, 0.5)));
    let ms = 0;
    const info = await tf.profile(() => {
      ms = timed(() => net.lossAndGrad(params, inputs, targets, batch)).cpu / 1e6;
    });
    bptt.push({ batch, steps: o.bpttSteps, bptt_ms_per_episode: ms, peak_tensor_bytes: info.peakBytes, rss_peak_bytes: process.resourceUsage().maxRSS * 1024 });
  }
  const b1 = engines[0]!; // batch 1, default kernel
  return {
    tensor_backend: backend,
    default_kernel: defaultKernel,
    network: { agent: o.agent, inputs: REF.obsDim, hidden: spec.hidden.size, outputs: REF.actDim, plastic_synapses: syn, params: params.length },
    engines,
    kernel_speedup,
    bptt,
    kernel_by_rule,
    targets: {
      kernel_le_0_6ns_at_b1: b1.kernel_ns_per_synapse_step <= 0.6,
      kernel_ge_50x_tensor_at_b1: b1.ratio_tensor_over_kernel >= 50,
      kernel_le_1_5ns_at_b1: b1.kernel_ns_per_synapse_step <= 1.5,
      kernel_ge_5x_tensor_at_b1: b1.ratio_tensor_over_kernel >= 5,
    },
    note: `times are CPU time of this process (user + system), which a shared machine inflates less than wall time (the *_wall_* fields); kernel times are the median of ${ROUNDS} rounds interleaved between the two kernels; targets are judged on the default kernel (default_kernel, B = 1); tensor timing includes reading actions, spikes and modulator back every chunk of steps; peak_tensor_bytes is tf.profile's peakBytes during the BPTT call (rss_peak_bytes is the process maximum so far). The machine may be shared: compare the ratios, not the absolute numbers.`,
  };
}
