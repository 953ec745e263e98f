#!/usr/bin/env node
// Entry point: registers the TypeScript loader and runs the CLI (src/cli/main.ts runCli) with this
// process's arguments. Exit codes: 0 done, 1 internal error, 2 bad input, 130 interrupted.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// After an interrupt, worker threads of an abandoned evaluation may still run: do not wait for them.
if (code === 130) process.exit(code);
