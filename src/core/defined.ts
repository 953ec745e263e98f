/**
 * Drops the keys whose value is undefined, so an options object built from optional flags
 * (`{ seed: flags.seed }`) fits a type whose keys are optional but not `| undefined`
 * (exactOptionalPropertyTypes). Keys that can never be undefined stay required in the result type.
 */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

export function defined<T extends object>(options: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as Defined<T>;
}
