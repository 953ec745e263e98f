import type { Command } from "commander";
import { DEFAULT_AGENT, listAgents } from "../../../agents/index.ts";
import type { SnnBenchOptions } from "../../bench/snn.ts";
import { action, choiceOption, intOption, log, printResult } from "../output.ts";

const agentNames = () => listAgents().map((a) => a.name);

/** "1,16" -> [1, 16]; empty -> [] (skip BPTT). */
function batchList(value: string): number[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => intOption("--bptt-batches", 1, 256)(s));
}

/** The bench's options as parsed from the flags (the log is the CLI's). */
type BenchOptions = Omit<SnnBenchOptions, "log"> & { json?: boolean };

/** `spikeloco bench snn`: kernel vs tensor engine on the reference network, and BPTT cost, in one run.
 *  `spikeloco bench snn-gradcheck`: tensor-engine gradients vs float64 finite differences for every model x rule. */
export function register(bench: Command): void {
  bench
    .command("snn-gradcheck")
    .description("tensor-engine gradients (W, alpha, eta, rule constants, modulator weights, delays) against float64 central finite differences for every neuron model x rule; relative errors per parameter group")
    .option("--json", "print one JSON object")
    .option("--steps <n>", "episode length", intOption("--steps", 1, 1000), 100)
    .option("--per-group <n>", "entries checked per parameter group (largest |gradient|)", intOption("--per-group", 1, 100), 3)
    .option("--seed <n>", "seed", intOption("--seed", 0, 2 ** 32 - 1), 1)
    .action(action(async (opts: { json?: boolean; steps: number; perGroup: number; seed: number }) => {
      const { selectTensorBackend } = await import("../../snn/tensor.ts");
      const { gradCheck } = await import("../../snn/gradcheck.ts");
      const { allVariants, variantName, variantSpec } = await import("../../snn/variants.ts");
      const backend = await selectTensorBackend();
      const rows: Array<{ variant: string; max_rel_error: number; groups: Record<string, number> }> = [];
      for (const v of allVariants()) {
        log(`gradcheck ${variantName(v)}`);
        const r = gradCheck(variantSpec(v, { nIn: 2, nHid: 4, nOut: 2 }), { steps: opts.steps, perGroup: opts.perGroup, seed: opts.seed });
        rows.push({ variant: variantName(v), max_rel_error: r.maxRelError, groups: r.groups });
      }
      const worst = Math.max(...rows.map((r) => r.max_rel_error));
      const result = { tensor_backend: backend, steps: opts.steps, method: "relaxed spikes (forward = surrogate CDF), tfjs float32 autodiff vs float64 reference central differences", worst_rel_error: worst, variants: rows };
      printResult(result, opts.json === true, (r) =>
        [`backend ${r.tensor_backend}, ${r.steps} steps; worst relative error ${r.worst_rel_error.toExponential(2)}`,
          ...r.variants.map((v) => `${v.variant.padEnd(22)} ${v.max_rel_error.toExponential(2)}  ` + Object.entries(v.groups).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(", "))].join("\n"));
    }));

  bench
    .command("snn")
    .description("SNN engines on the reference network (32 in, 128 recurrent hidden, 8 out, plastic synapses into the hidden layer): ns per plastic synapse per step for both kernels (wasm-simd and js, interleaved) and the tensor engine at B=1 and B=64, and BPTT ms per 200-step episode with peak memory")
    .option("--json", "print one JSON object")
    .option("--agent <name>", `preset for the reference network (${agentNames().join(", ")})`, choiceOption("--agent", agentNames), DEFAULT_AGENT)
    .option("--kernel-steps <n>", "timed steps per kernel at B=1 (B=64 runs n/16)", intOption("--kernel-steps", 10), 20000)
    .option("--tensor-steps <n>", "timed tensor-engine steps at B=1 (B=64 runs n/4)", intOption("--tensor-steps", 2), 100)
    .option("--bptt-steps <n>", "episode length for BPTT", intOption("--bptt-steps", 1), 200)
    .option("--bptt-batches <list>", "comma-separated batch sizes for BPTT (empty to skip)", batchList, [1, 16])
    .option("--no-rules", "skip the per-rule kernel table")
    .option("--seed <n>", "seed", intOption("--seed", 0, 2 ** 32 - 1), 1)
    .action(action(async (opts: BenchOptions) => {
      const { runSnnBench } = await import("../../bench/snn.ts");
      const result = await runSnnBench({
        agent: opts.agent,
        kernelSteps: opts.kernelSteps,
        tensorSteps: opts.tensorSteps,
        bpttSteps: opts.bpttSteps,
        bpttBatches: opts.bpttBatches,
        rules: opts.rules,
        seed: opts.seed,
        log,
      });
      printResult(result, opts.json === true, (r) => {
        const lines = [
          `tensor backend: ${r.tensor_backend}; default kernel: ${r.default_kernel}; reference network ${r.network.inputs}-${r.network.hidden}-${r.network.outputs}, ${r.network.plastic_synapses} plastic synapses (${r.network.agent})`,
        ];
        for (const b of r.engines) {
          lines.push(`B=${b.batch}: ${b.kernel.padEnd(9)} kernel ${b.kernel_ns_per_synapse_step.toFixed(3)} ns/synapse/step, tensor ${b.tensor_ns_per_synapse_step.toFixed(3)} ns, kernel ${b.ratio_tensor_over_kernel.toFixed(1)}x faster`);
        }
        for (const k of r.kernel_speedup) lines.push(`B=${k.batch}: wasm-simd kernel ${k.js_over_wasm_simd.toFixed(2)}x the js kernel`);
        for (const b of r.bptt) lines.push(`BPTT ${b.steps} steps B=${b.batch}: ${b.bptt_ms_per_episode.toFixed(0)} ms/episode, peak tensor memory ${(b.peak_tensor_bytes / 2 ** 20).toFixed(0)} MiB, RSS peak ${(b.rss_peak_bytes / 2 ** 20).toFixed(0)} MiB`);
        if (r.kernel_by_rule.length) lines.push("kernel at B=1 by preset (ns/synapse/step): " + r.kernel_by_rule.map((k) => `${k.agent} ${k.kernel} ${k.kernel_ns_per_synapse_step.toFixed(2)}`).join(", "));
        const met = (b: boolean) => (b ? "met" : "NOT met");
        lines.push(`targets (${r.default_kernel} kernel, B=1): <= 0.6 ns ${met(r.targets.kernel_le_0_6ns_at_b1)}; >= 50x tensor ${met(r.targets.kernel_ge_50x_tensor_at_b1)}; <= 1.5 ns ${met(r.targets.kernel_le_1_5ns_at_b1)}; >= 5x tensor ${met(r.targets.kernel_ge_5x_tensor_at_b1)}`);
        return lines.join("\n");
      });
    }));
}
