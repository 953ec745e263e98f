/**
 * Kernel engine: the fast forward pass used by rollouts, training workers, eval and the viewer. Two
 * implementations of one KernelNet, bit for bit the same (test/snn/kernel.parity.test.ts):
 *   "wasm-simd"  the step in C compiled to WASM SIMD (wasm/kernel.c, kernel-wasm.ts), the default wherever
 *                WebAssembly SIMD validates;
 *   "js"         plain TypeScript loops (kernel-js.ts), the fallback.
 * Both cover every neuron model, rule, eligibility trace, delay kind, encoder and decoder of spec.ts. The choice is
 * createKernelNet's `kernel` option, else the SPIKELOCO_KERNEL environment variable, else "auto"; `net.kernel`
 * says which one runs.
 */
import { SpikelocoError } from "../core/errors.ts";
import { createJsKernelNet } from "./kernel-js.ts";
import { createWasmKernelNet, wasmKernelSupport } from "./kernel-wasm.ts";
import type { ParamLayout } from "./layout.ts";
import type { NetworkSpec, ProjectionName } from "./spec.ts";

export const KERNELS = ["wasm-simd", "js"] as const;
export type KernelKind = (typeof KERNELS)[number];
export type KernelChoice = KernelKind | "auto";
/** Environment variable that picks the kernel when the caller does not: auto | wasm-simd | js. */
export const KERNEL_ENV = "SPIKELOCO_KERNEL";

export interface KernelOptions {
  /** "auto" (default): wasm-simd where WebAssembly SIMD is available, else js. */
  kernel?: KernelChoice;
}

export interface KernelNet {
  /** which implementation runs this network. */
  readonly kernel: KernelKind;
  readonly spec: NetworkSpec;
  readonly layout: ParamLayout;
  readonly batch: number;
  /** observation size (per batch element) expected by step(). */
  readonly inputSize: number;
  readonly outputSize: number;
  readonly hiddenSize: number;
  readonly encodedSize: number;
  /** hidden spikes of the last step, [B * nHid]. */
  readonly hiddenSpikes: Uint8Array;
  /** encoder (input population) spikes of the last step, [B * nEnc]. */
  readonly inputSpikes: Uint8Array;
  /** hidden membrane potentials after the last step, [B * nHid]. */
  readonly hiddenVoltage: Float32Array;
  /** modulator m(t) = tanh(w . z + b) of the last step, [B] (0 when the network has no modulator). */
  readonly modulator: Float32Array;
  readonly plasticityFrozen: boolean;
  /**
   * Non-finite input values (NaN, ±Infinity) read as 0 since creation. Without this, one NaN observation
   * would leave an encoder membrane NaN (never spiking again) and an infinite one spiking forever.
   */
  readonly nonFiniteInputs: number;
  /** Clear the episode state (membranes, traces, H, delays' history) of one or all batch elements. */
  reset(batchIndex?: number): void;
  /** Advance one step: input [B * inputSize] -> output [B * outputSize] (actions in [-1, 1]). */
  step(input: Float32Array, output: Float32Array): void;
  /**
   * Read a parameter vector of the same layout (no reallocation of state). The network reads its parameters at
   * creation and here only: after changing the vector in place, call setParams again.
   */
  setParams(params: Float32Array): void;
  /** Freeze H at its current value (ablation: the network then runs with fixed weights W + alpha*H). */
  freezePlasticity(frozen: boolean): void;
  /** Set H (and eligibility traces) of every batch element to 0 mid-episode: weights W only (ablation). */
  clearPlasticTraces(): void;
  /** The plastic trace H of a projection for batch element b ([nPre * nHid] view), or null if not plastic. */
  plasticTrace(projection: ProjectionName, b: number): Float32Array | null;
  /** Mean |alpha * H| over the plastic synapses of batch element b (0 without plasticity). */
  plasticDelta(b: number): number;
}

/** Whether the WASM SIMD kernel can run here, and why not. */
export function kernelSupport(): { wasmSimd: boolean; reason: string | null } {
  return wasmKernelSupport();
}

/** The kernel a call with this option would use (option, else SPIKELOCO_KERNEL, else auto). */
export function resolveKernel(choice?: KernelChoice): KernelKind {
  let c: string = choice ?? "auto";
  let field = "kernel";
  if (choice === undefined) {
    const env = typeof process === "undefined" ? undefined : process.env[KERNEL_ENV];
    if (env !== undefined && env !== "") {
      c = env;
      field = KERNEL_ENV;
    }
  }
  if (c === "js") return "js";
  const support = wasmKernelSupport();
  if (c === "wasm-simd") {
    if (!support.wasmSimd) throw new SpikelocoError(`the wasm-simd kernel cannot run here (${support.reason}); use "js" or "auto"`, field);
    return "wasm-simd";
  }
  if (c !== "auto") throw new SpikelocoError(`unknown kernel '${c}' (expected auto, ${KERNELS.join(", ")})`, field);
  return support.wasmSimd ? "wasm-simd" : "js";
}

export function createKernelNet(spec: NetworkSpec, params: Float32Array, batch = 1, options: KernelOptions = {}): KernelNet {
  return resolveKernel(options.kernel) === "wasm-simd" ? createWasmKernelNet(spec, params, batch) : createJsKernelNet(spec, params, batch);
}
