// The one worker-thread entry of ThreadPool (threads.ts). workerData names a task module and its data;
// a .ts module is loaded through tsx (worker threads cannot load TypeScript by themselves), a .js one
// (a compiled build) directly. Errors are answered as data so their type and fields survive the thread
// boundary (structured cloning keeps neither a custom error class nor its fields).
import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";

const { module, data } = workerData;
let handler = null;

async function load() {
  if (/\.[cm]?ts$/.test(module)) (await import("tsx/esm/api")).register();
  const mod = await import(pathToFileURL(module).href);
  if (typeof mod.createTaskHandler !== "function") throw new Error(`${module} does not export createTaskHandler`);
  return mod.createTaskHandler(data);
}

function toWire(err) {
  if (err instanceof Error || (err && typeof err === "object" && "message" in err)) {
    return { name: String(err.name ?? "Error"), message: String(err.message), path: typeof err.path === "string" ? err.path : undefined, stack: err.stack };
  }
  return { name: "Error", message: String(err) };
}

export default async function run(task) {
  try {
    handler ??= load();
    return { ok: true, value: await (await handler).run(task) };
  } catch (err) {
    return { ok: false, error: toWire(err) };
  }
}
