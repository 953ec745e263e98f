/** spikeloco package main export: envs, agents, the SNN engines, policies and checkpoints. */
export { makeEnv, makeVecEnv, listEnvs, envDefinition } from "../envs/index.ts";
export type { EnvId } from "../envs/index.ts";
export { loadAgent, listAgents } from "../agents/index.ts";
export * from "./env/index.ts";
export type { RobotDescription, BodyDescription, JointDescription, ShapeDescription, LegDescription, FootDescription } from "./physics/robot.ts";
export type { TerrainDescription, TerrainSpec, TerrainBox, HeightfieldData } from "./physics/terrain.ts";
export { terrainHeightAt } from "./physics/terrain.ts";
export * from "./snn/index.ts";
