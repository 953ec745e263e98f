/** Public API of the SNN area: network description, parameter layout, the two engines, presets. */
export { parseNetworkSpec, encodedSize, NEURON_MODELS, RULES, SURROGATES } from "./spec.ts";
export type { NetworkSpec, NetworkSpecInput, NeuronModel, PlasticityRule, SurrogateKind, ProjectionName } from "./spec.ts";
export { buildLayout, initParams, checkParams } from "./layout.ts";
export type { ParamLayout, LayoutEntry } from "./layout.ts";
export { createKernelNet, kernelSupport, KERNELS, KERNEL_ENV } from "./kernel.ts";
export type { KernelNet, KernelKind, KernelChoice, KernelOptions } from "./kernel.ts";
// The tfjs tensor engine is not re-exported here, to keep `import "spikeloco"` free of the tfjs load:
// import createTensorNet / selectTensorBackend from "src/snn/tensor.ts".
export type { TensorNet, TensorBackend, TensorRun, TensorRunOptions } from "./tensor.ts";
export { plasticTerm } from "./rules.ts";
export { surrogateGrad } from "./surrogate.ts";
export { runReference, referenceLoss } from "./reference.ts";
