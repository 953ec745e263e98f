/**
 * The CLI's --env and --agent choices come from the registries (envs/index.ts, the agents/ folder): a new
 * preset JSON dropped into a copy of the package shows up in every command's help and is accepted.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAgents } from "../../agents/index.ts";
import { envIds, versionedEnvIds } from "../../envs/index.ts";

const root = new URL("../..", import.meta.url).pathname;
let copy = "";

function run(args: string[]) {
  return spawnSync(process.execPath, [join(copy, "bin", "spikeloco.mjs"), ...args], { encoding: "utf8", timeout: 60_000 });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "spikeloco-presets-"));
  for (const part of ["bin", "src", "envs", "agents", "package.json", "tsconfig.json"]) cpSync(join(root, part), join(copy, part), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  writeFileSync(join(copy, "agents", "zz-test-preset.json"), JSON.stringify({ description: "a preset added by a test", spec: {} }));
  // prints the help of several commands from one process (each the text `spikeloco <cmd> --help` shows)
  writeFileSync(
    join(copy, "print-help.mjs"),
    `import { register } from "tsx/esm/api";
register();
const { buildProgram } = await import("./src/cli/main.ts");
const program = await buildProgram();
const out = {};
for (const path of process.argv.slice(2)) {
  let cmd = program;
  for (const name of path.split(" ")) cmd = cmd.commands.find((c) => c.name() === name);
  out[path] = cmd.helpInformation();
}
console.log(JSON.stringify(out));
`,
  );
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("CLI choices derive from the registries", () => {
  it("every command lists every registered env id and preset, including a preset JSON just added", () => {
    const takes = { env: ["train", "start", "watch", "bench train", "bench env", "bench physics"], agent: ["train", "start", "watch", "bench train", "bench snn"] };
    const commands = ["train", "start", "watch", "bench train", "bench env", "bench physics", "bench snn"];
    const r = spawnSync(process.execPath, [join(copy, "print-help.mjs"), ...commands], { cwd: copy, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const helps = JSON.parse(r.stdout) as Record<string, string>;
    // the same text the command prints, before its after-help notes
    expect(run(["train", "--help"]).stdout.startsWith(helps.train!)).toBe(true);
    for (const cmd of commands) {
      // help text wraps lines; compare with whitespace collapsed
      const help = helps[cmd].replace(/\s+/g, " ");
      if (takes.env.includes(cmd)) for (const id of envIds()) expect(help, cmd).toContain(id);
      if (takes.agent.includes(cmd)) {
        expect(help, cmd).toContain("zz-test-preset");
        for (const a of listAgents()) expect(help, cmd).toContain(a.name);
      }
    }
  });

  it("train refuses an unknown preset or env by listing the registered ones (the new preset among them)", () => {
    const bad = run(["train", "--env", envIds()[0], "--agent", "zz-no-such-preset", "--generations", "1", "--out", join(copy, "run")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^spikeloco: --agent: must be one of .*zz-test-preset.*, got 'zz-no-such-preset'\n$/);
    const badEnv = run(["train", "--env", "no-such-robot", "--generations", "1"]);
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toBe(`spikeloco: --env: must be one of ${[...envIds(), ...versionedEnvIds()].join(", ")}, got 'no-such-robot'\n`);
  });
});
