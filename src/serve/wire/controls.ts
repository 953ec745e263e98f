/**
 * The control messages a client may send, declared once: each entry's zod schema gives the server's
 * validator, the TypeScript type (`ControlMessage`) and the list of types; `cost` is its price in the
 * per-client rate limit (tokens of the bucket in ControlLimits).
 */
import { z } from "zod";

const id = z.number().int().optional();
const finite = z.number().finite();
const impulse = finite.min(-1e3).max(1e3);

const CONTROLS = {
  hello: { cost: 1, schema: z.object({ type: z.literal("hello"), version: z.number().int(), id }).strict() },
  ping: { cost: 1, schema: z.object({ type: z.literal("ping"), id }).strict() },
  pause: { cost: 1, schema: z.object({ type: z.literal("pause"), paused: z.boolean(), id }).strict() },
  /** Pause (if running) and advance exactly one control step. */
  step: { cost: 1, schema: z.object({ type: z.literal("step"), id }).strict() },
  /** Rebuilds the world: priced so a client cannot make the simulation do it more than a few times a second. */
  reset: { cost: 5, schema: z.object({ type: z.literal("reset"), seed: z.number().int().min(0).max(0xffffffff).optional(), id }).strict() },
  speed: { cost: 1, schema: z.object({ type: z.literal("speed"), speed: finite.min(0.05).max(16), id }).strict() },
  push: { cost: 1, schema: z.object({ type: z.literal("push"), impulse: z.tuple([impulse, impulse, impulse]), id }).strict() },
  noise: { cost: 2, schema: z.object({ type: z.literal("noise"), obs: finite.min(0).max(10).optional(), action: finite.min(0).max(10).optional(), id }).strict() },
  disableLeg: { cost: 2, schema: z.object({ type: z.literal("disableLeg"), leg: z.number().int().min(0).max(63).nullable(), id }).strict() },
  /** Builds a new terrain and scene (a rough heightfield takes 0.1-1 s of the simulation's time): the most expensive control, one per 2 s. */
  terrain: { cost: 20, schema: z.object({ type: z.literal("terrain"), kind: z.string().min(1).max(64), id }).strict() },
} as const;

type Controls = typeof CONTROLS;
export type ControlType = keyof Controls;
export type ControlMessage = { [K in ControlType]: z.infer<Controls[K]["schema"]> }[ControlType];

export const CONTROL_TYPES = Object.keys(CONTROLS) as ControlType[];

export const CONTROL_COSTS: Record<ControlType, number> = Object.fromEntries(CONTROL_TYPES.map((t) => [t, CONTROLS[t].cost])) as Record<ControlType, number>;

export function isControlType(t: string): t is ControlType {
  return Object.prototype.hasOwnProperty.call(CONTROLS, t);
}

/** The validator of every control, derived from the table. */
export const controlSchema = z.discriminatedUnion(
  "type",
  CONTROL_TYPES.map((t) => CONTROLS[t].schema) as unknown as [Controls["hello"]["schema"], ...Controls[ControlType]["schema"][]],
);
