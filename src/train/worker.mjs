// Worker threads cannot load .ts directly: register tsx, then hand piscina the TypeScript worker.
import { register } from "tsx/esm/api";

register();
const mod = await import("./worker.ts");
export default mod.default;
