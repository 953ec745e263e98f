/**
 * The published package as a user gets it: `npm pack` (which builds dist/), the tarball installed into a
 * fresh `npm init -y` project, then imported by plain `node` (ESM, and CommonJS through dynamic import),
 * type-checked by TypeScript through its declarations, the README's library snippet run as written, and
 * the installed `spikeloco` command answering --help.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(".");
const work = mkdtempSync(join(tmpdir(), "spikeloco-pack-"));
const project = join(work, "project");
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

let tarball = "";
let packed: string[] = [];

beforeAll(() => {
  const out = JSON.parse(npm(["pack", "--json", "--pack-destination", work], repo)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, out[0]!.filename);
  packed = out[0]!.files.map((f) => f.path);
  execFileSync("mkdir", ["-p", project]);
  npm(["init", "-y"], project);
  npm(["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--omit=optional"], project);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed tarball", () => {
  it("holds the build and no tests, sources or CI files", () => {
    expect(packed).toContain("dist/src/index.js");
    expect(packed).toContain("dist/src/index.d.ts");
    expect(packed).toContain("dist/agents/nm-hebb.json");
    expect(packed).toContain("viewer/dist/app.js");
    for (const path of packed) {
      expect(path, path).not.toMatch(/^(test|\.ci|src|envs|agents)\//);
      expect(path, path).not.toMatch(/\.test\.(ts|js)$/);
    }
  });

  it("imports from plain node as ESM and makes an env", () => {
    const out = node(["--input-type=module", "-e", `import { makeEnv, listEnvs } from "spikeloco";
      const env = await makeEnv("ant");
      const { obs } = env.reset({ seed: 3 });
      console.log(JSON.stringify({ ids: listEnvs().map((e) => e.id), obs: obs.length, act: env.actionSpace.shape[0] }));`]);
    const r = JSON.parse(out) as { ids: string[]; obs: number; act: number };
    expect(r.ids).toContain("ant");
    expect(r.act).toBe(8);
    expect(r.obs).toBeGreaterThan(r.act);
  });

  it("imports from a CommonJS project through dynamic import", () => {
    writeFileSync(join(project, "use.cjs"), `(async () => {
      const { makeEnv } = await import("spikeloco");
      const { createPolicy } = await import("spikeloco/policy");
      const env = await makeEnv("hexapod");
      console.log(typeof createPolicy, env.actionSpace.shape[0]);
    })();`);
    expect(node(["use.cjs"]).trim()).toBe("function 12");
  });

  it("type-checks a TypeScript user's file against the declarations", () => {
    writeFileSync(join(project, "check.ts"), `import { makeEnv, loadAgent, initParams, type NetworkSpec } from "spikeloco";
      import { createPolicy, runEpisode, type EpisodeResult } from "spikeloco/policy";
      export async function go(): Promise<EpisodeResult> {
        const env = await makeEnv("ant", { maxSteps: 10 });
        const spec: NetworkSpec = loadAgent("static", { obsDim: env.observationSpace.shape[0]!, actDim: env.actionSpace.shape[0]! });
        return runEpisode(env, createPolicy(spec, initParams(spec, 0), null, env.actionSpace), { seed: 0 });
      }
      // @ts-expect-error: maxSteps is a number
      void makeEnv("ant", { maxSteps: "ten" });`);
    const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "--typeRoots", join(repo, "node_modules", "@types"), "check.ts"], { cwd: project, encoding: "utf8" });
  });

  it("runs the README's library snippet as written", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const snippet = /```js\n(\/\/ walk\.mjs[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, "README has a ```js block starting with // walk.mjs").toBeTruthy();
    writeFileSync(join(project, "walk.mjs"), snippet!);
    const out = node(["walk.mjs"]);
    expect(out).toMatch(/forward/);
    expect(out.trim().split(/\s+/).at(-2)).toMatch(/^\d+$/);
  });

  it("installs the spikeloco command, which runs from dist/", () => {
    const bin = join(project, "node_modules", ".bin", "spikeloco");
    const help = execFileSync(bin, ["--help"], { cwd: project, encoding: "utf8" });
    for (const command of ["train", "eval", "watch", "bench", "repro"]) expect(help).toContain(command);
    expect(readdirSync(join(project, "node_modules", "spikeloco"))).not.toContain("src");
  });
});
