import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const fixture = (name: string) => new URL(`../../envs/robots/${name}`, import.meta.url).pathname;

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000 });
}

describe("spikeloco robot", () => {
  const dir = mkdtempSync(join(tmpdir(), "spk-robot-"));

  it("import prints the summary as one JSON object and writes the description; stand holds it", () => {
    const out = join(dir, "ant.json");
    const r = run(["robot", "import", fixture("ant.xml"), "--out", out, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s).sort()).toEqual(["actuated", "bodies", "feet", "joints", "mass", "name", "rest_height", "warnings"]);
    expect(s).toMatchObject({ name: "ant", bodies: 9, joints: 8, actuated: 8, warnings: [] });
    expect(s.mass).toBeCloseTo(0.91088, 4);
    expect(JSON.parse(readFileSync(out, "utf8")).joints).toHaveLength(8);

    const stand = run(["robot", "stand", out, "--steps", "200", "--json"]);
    expect(stand.status, stand.stderr).toBe(0);
    const st = JSON.parse(stand.stdout);
    expect(st).toMatchObject({ fell: false, nonfinite: false });
    expect(st.torso_height.min).toBeGreaterThan(0.8 * s.rest_height);
    expect(st.torso_height.final).toBeLessThan(s.rest_height + 0.01);
  });

  it("stand reports a fall: the quadruped with only one actuated joint collapses", () => {
    const out = join(dir, "limp.json");
    const r = run(["robot", "import", fixture("quadruped.urdf"), "--actuated", "FL_hip_joint", "--out", out, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).actuated).toBe(1);
    const st = JSON.parse(run(["robot", "stand", out, "--steps", "100", "--json"]).stdout);
    expect(st.fell).toBe(true);
    expect(st.torso_height.min).toBeLessThan(0.2);
  });

  it("bad input: exit 2, one line naming the element and its line, nothing on stdout, no file written", () => {
    const bad = join(dir, "bad.urdf");
    writeFileSync(bad, `<robot name="r">\n<link name="base"/>\n<joint name="j" type="planar"><parent link="base"/><child link="x"/></joint>\n</robot>\n`);
    const out = join(dir, "bad.json");
    const r = run(["robot", "import", bad, "--out", out, "--json"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.urdf: <joint name="j"> \(line 3\): unsupported joint type 'planar'/);
    expect(existsSync(out)).toBe(false);
    const missing = run(["robot", "stand", join(dir, "nope.urdf"), "--json"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.urdf/);
  });

  it("train --env legged needs --robot, and --robot needs --env legged", () => {
    const a = run(["train", "--env", "legged", "--generations", "1", "--json"]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--robot: --env legged needs --robot <file>/);
    const b = run(["train", "--env", "ant", "--robot", fixture("ant.xml"), "--generations", "1", "--json"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--robot: --robot is only for --env legged/);
  });
});
