/** spikeloco package main export. Other areas append their exports below. */
export * from "./env/index.ts";
export type { RobotDescription, BodyDescription, JointDescription, ShapeDescription, LegDescription, FootDescription } from "./physics/robot.ts";
export type { TerrainDescription, TerrainSpec, TerrainBox, HeightfieldData } from "./physics/terrain.ts";
export { terrainHeightAt } from "./physics/terrain.ts";
export * from "./snn/index.ts";
