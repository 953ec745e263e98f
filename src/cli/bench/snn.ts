import type { Command } from "commander";
import { action, intOption, log, printResult } from "../output.ts";

interface BenchOptions {
  json?: boolean;
  agent: string;
  kernelSteps: number;
  tensorSteps: number;
  bpttSteps: number;
  bpttBatches: string;
  rules: boolean;
  seed: number;
}

/** `spikeloco bench snn`: kernel vs tensor engine on the reference network, and BPTT cost, in one run. */
export function register(bench: Command): void {
  bench
    .command("snn")
    .description("SNN engines on the reference network (32 in, 128 recurrent hidden, 8 out, plastic synapses into the hidden layer): ns per plastic synapse per step for the kernel and tensor engines at B=1 and B=64, and BPTT ms per 200-step episode with peak memory")
    .option("--json", "print one JSON object")
    .option("--agent <name>", "preset for the reference network", "nm-hebb")
    .option("--kernel-steps <n>", "timed kernel steps at B=1 (B=64 runs n/16)", intOption("--kernel-steps", 10), 4000)
    .option("--tensor-steps <n>", "timed tensor-engine steps at B=1 (B=64 runs n/4)", intOption("--tensor-steps", 2), 100)
    .option("--bptt-steps <n>", "episode length for BPTT", intOption("--bptt-steps", 1), 200)
    .option("--bptt-batches <list>", "comma-separated batch sizes for BPTT (empty to skip)", "1,16")
    .option("--no-rules", "skip the per-rule kernel table")
    .option("--seed <n>", "seed", intOption("--seed", 0), 1)
    .action(action(async (opts: BenchOptions) => {
      const { runSnnBench } = await import("../../snn/bench.ts");
      const result = await runSnnBench({
        agent: opts.agent,
        kernelSteps: opts.kernelSteps,
        tensorSteps: opts.tensorSteps,
        bpttSteps: opts.bpttSteps,
        bpttBatches: opts.bpttBatches.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => intOption("--bptt-batches", 1, 256)(s)),
        rules: opts.rules,
        seed: opts.seed,
        log,
      });
      printResult(result, opts.json === true, (r) => {
        const lines = [
          `tensor backend: ${r.tensor_backend}; reference network ${r.network.inputs}-${r.network.hidden}-${r.network.outputs}, ${r.network.plastic_synapses} plastic synapses (${r.network.agent})`,
        ];
        for (const b of r.engines) {
          lines.push(`B=${b.batch}: kernel ${b.kernel_ns_per_synapse_step.toFixed(3)} ns/synapse/step, tensor ${b.tensor_ns_per_synapse_step.toFixed(3)} ns, kernel ${b.ratio_tensor_over_kernel.toFixed(1)}x faster`);
        }
        for (const b of r.bptt) lines.push(`BPTT ${b.steps} steps B=${b.batch}: ${b.bptt_ms_per_episode.toFixed(0)} ms/episode, peak tensor memory ${(b.peak_tensor_bytes / 2 ** 20).toFixed(0)} MiB, RSS peak ${(b.rss_peak_bytes / 2 ** 20).toFixed(0)} MiB`);
        if (r.kernel_by_rule.length) lines.push("kernel at B=1 by preset: " + r.kernel_by_rule.map((k) => `${k.agent} ${k.kernel_ns_per_synapse_step.toFixed(2)}`).join(", ") + " ns/synapse/step");
        lines.push(`targets: kernel <= 1.5 ns at B=1: ${r.targets.kernel_le_1_5ns_at_b1 ? "met" : "NOT met"}; kernel >= 5x tensor at B=1: ${r.targets.kernel_ge_5x_tensor_at_b1 ? "met" : "NOT met"}`);
        return lines.join("\n");
      });
    }));
}
