import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkWritableDir, checkWritableFile, makeDirs, removeDirs } from "../../src/core/paths.ts";

const root = mkdtempSync(join(tmpdir(), "spikeloco-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const message = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return "no error";
};

describe("output path checks", () => {
  it("accept creatable and existing writable paths without writing anything", () => {
    checkWritableDir(join(root, "a", "b", "c"), "--out");
    checkWritableFile(join(root, "x", "report.html"), "--report");
    expect(readdirSync(root)).toEqual([]);
  });

  it("name the flag and the path that cannot be written", () => {
    const file = join(root, "file.txt");
    writeFileSync(file, "");
    expect(message(() => checkWritableDir(file, "--out", "run folder"))).toBe(`--out: '${file}' is a file, not a run folder`);
    expect(message(() => checkWritableDir(join(file, "sub"), "--out"))).toBe(`--out: cannot create the folder '${join(file, "sub")}': '${file}' is a file`);
    expect(message(() => checkWritableFile(root, "--report"))).toBe(`--report: '${root}' is a folder; give a file path`);
    expect(message(() => checkWritableFile("/dev/null", "--out"))).toBe("--out: '/dev/null' is not a regular file");
    expect(message(() => checkWritableDir("/proc/spikeloco-x/y", "--out"))).toMatch(/^--out: cannot create the folder '\/proc\/spikeloco-x\/y' in '\/proc'/);
  });

  it("makeDirs creates level by level (no recursive mkdir hang under /proc) and removeDirs undoes only empty folders", () => {
    const created = makeDirs(join(root, "m", "n", "o"), "--out");
    expect(created).toEqual([join(root, "m"), join(root, "m", "n"), join(root, "m", "n", "o")]);
    writeFileSync(join(root, "m", "keep.txt"), "x");
    removeDirs(created);
    expect(existsSync(join(root, "m", "n"))).toBe(false);
    expect(existsSync(join(root, "m", "keep.txt"))).toBe(true);
    const t0 = Date.now();
    expect(message(() => makeDirs("/proc/spikeloco-x/y", "--out"))).toMatch(/^--out: cannot create '\/proc\/spikeloco-x'/);
    expect(Date.now() - t0).toBeLessThan(1000);
    mkdirSync(join(root, "exists"));
    expect(makeDirs(join(root, "exists"), "--out")).toEqual([]);
  });
});
