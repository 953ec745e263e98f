// Worker threads cannot load .ts directly: in a checkout, register tsx and load the TypeScript worker;
// from dist/, load the compiled one.
import { existsSync } from "node:fs";

const source = new URL("./worker.ts", import.meta.url);
let mod;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(source.href);
} else {
  mod = await import(new URL("./worker.js", import.meta.url).href);
}
export default mod.default;
