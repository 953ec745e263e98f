/** spikeloco package main export: envs, agents, the SNN engines, policies and checkpoints. */
export { makeEnv, makeVecEnv, listEnvs, envDefinition } from "../envs/index.ts";
export type { EnvId } from "../envs/index.ts";
export { loadAgent, listAgents } from "../agents/index.ts";
export * from "./env/index.ts";
export type { RobotDescription, BodyDescription, JointDescription, ShapeDescription, LegDescription, FootDescription, InertialDescription } from "./physics/robot.ts";
export { importUrdf } from "./physics/import/urdf.ts";
export { importMjcf } from "./physics/import/mjcf.ts";
export { exportMjcf } from "./physics/import/mjcf-export.ts";
export { loadRobotFile, summarize as summarizeRobot } from "./physics/import/load.ts";
export type { ImportOptions, ImportResult, Gains } from "./physics/import/assemble.ts";
export type { TerrainDescription, TerrainSpec, TerrainBox, HeightfieldData } from "./physics/terrain.ts";
export { terrainHeightAt } from "./physics/terrain.ts";
export * from "./snn/index.ts";
