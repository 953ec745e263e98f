#!/usr/bin/env node
// Entry point: runs the CLI (src/cli/main.ts runCli) with this process's arguments and sets the exit code
// (0 done, 1 internal error, 2 bad input, 130 interrupted). In a checkout it runs the TypeScript sources
// through tsx; an installed package runs dist/.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let runCli;
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ runCli } = await import(sources.href));
} else {
  ({ runCli } = await import(new URL("../dist/src/cli/main.js", import.meta.url).href));
}
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// After an interrupt, worker threads of an abandoned evaluation may still run: do not wait for them.
if (code === 130) process.exit(code);
