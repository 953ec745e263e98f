#!/usr/bin/env node
// Entry point. In a checkout it runs the TypeScript sources through tsx; an installed package runs dist/.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import(new URL("../dist/src/cli/main.js", import.meta.url).href));
}
await main(process.argv);
