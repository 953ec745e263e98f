import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE, checkUnlocked, lockDir, lockHolder } from "../../src/core/lock.ts";

const root = mkdtempSync(join(tmpdir(), "spikeloco-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("run folder lock", () => {
  it("holds the pid, refuses a second holder, and is gone after release", () => {
    const lock = lockDir(root, "--out");
    expect(JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockDir(root, "--out")).toThrow(`--out: '${root}' is in use by another spikeloco run (pid ${process.pid})`);
    expect(() => checkUnlocked(root, "--resume")).toThrow(/--resume: .* in use .*pid/);
    lock.release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
    expect(lockHolder(root)).toBeNull();
  });

  it("treats a lock of a live process as held and one of a finished process as stale", () => {
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: "" }));
    expect(lockHolder(root)?.pid).toBe(process.ppid);
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), since: "" }));
    expect(lockHolder(root)).toBeNull();
    const lock = lockDir(root, "--out"); // takes it over
    expect(JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
  });
});
