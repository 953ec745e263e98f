import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { describeTerrain } from "../../src/physics/terrain.ts";
import { RecordingWriter, decodeRecording, loadRecording } from "../../src/serve/recording.ts";
import { sceneTerrain } from "../../src/serve/scene.ts";
import { parseControlMessage } from "../../src/serve/validate.ts";
import { decodeFrame, encodeFrame, frameBytes, frameLayout } from "../../src/serve/wire/codec.ts";
import { CONTROL_COSTS, CONTROL_TYPES } from "../../src/serve/wire/controls.ts";
import { END_REASONS, FRAME_FLAG_HEAT, PROTOCOL_VERSION } from "../../src/serve/wire/protocol.ts";
import { decodeScene, encodeScene } from "../../src/serve/wire/scene-codec.ts";
import { patternFrame, testScene } from "../support/serve-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "spikeloco-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("binary frame codec", () => {
  const scene = testScene(13);
  const layout = frameLayout(scene);

  it("round-trips every field; spikes and contacts are bit-packed, potentials and heat 8-bit", () => {
    const f = patternFrame(scene, 5);
    const bytes = encodeFrame(f, layout);
    // 52-byte header; 7 floats per body, terms, actions, 2 per joint (angle, torque), 3 per foot,
    // modulators; potentials (scale + 1 byte each); 2 spike bytes, 1 contact byte; heat (scale + 12).
    expect(bytes.byteLength).toBe(52 + 4 * (14 + 2 + 2 + 4 + 3 + 1) + (4 + 13) + 2 + 1 + (4 + 12));
    expect(bytes.byteLength).toBe(frameBytes(layout, true));
    const g = decodeFrame(bytes, layout);
    expect([g.step, g.episode, g.flags, g.endReason]).toEqual([5, 3, FRAME_FLAG_HEAT, 0]);
    expect(g.time).toBeCloseTo(0.25, 6);
    expect(g.episodeReturn).toBe(7.5);
    for (const k of ["poses", "terms", "actions", "jointAngles", "torques", "contactForces", "modulators", "spikes", "contacts"] as const) {
      expect(Array.from(g[k]), k).toEqual(Array.from(f[k]));
    }
    expect(Array.from(g.torsoVelocity)).toEqual([5, -5, 0.25]);
    // Quantised to 8 bits relative to the largest magnitude: within half a step.
    for (let k = 0; k < f.heat.length; k++) expect(Math.abs(g.heat[k] - f.heat[k])).toBeLessThanOrEqual(0.6 / 127 / 2 + 1e-7);
    for (let k = 0; k < f.voltages.length; k++) expect(Math.abs(g.voltages[k] - f.voltages[k])).toBeLessThanOrEqual(1 / 127 / 2 + 1e-7);
    const ended = patternFrame(scene, 3);
    expect(END_REASONS[decodeFrame(encodeFrame(ended, layout), layout).endReason]).toBe("time limit");
  });

  it("omits the heat map when the flag is clear and rejects frames of the wrong size or version", () => {
    const f = patternFrame(scene, 2, false);
    const bytes = encodeFrame(f, layout);
    expect(bytes.byteLength).toBe(frameBytes(layout, false));
    expect(frameBytes(layout, true) - bytes.byteLength).toBe(4 + 12);
    expect(() => decodeFrame(bytes.subarray(0, bytes.byteLength - 1), layout)).toThrow(/layout expects/);
    expect(() => decodeFrame(bytes, frameLayout(testScene(40)))).toThrow(/layout expects/);
    expect(bytes[1]).toBe(PROTOCOL_VERSION);
    const other = bytes.slice();
    other[1] = PROTOCOL_VERSION + 1;
    expect(() => decodeFrame(other, layout)).toThrow(`frame of protocol version ${PROTOCOL_VERSION + 1}, this build reads ${PROTOCOL_VERSION}`);
  });

  it("an Ant-sized frame with a 128-neuron raster stays far below 50 KB/s at 20 Hz", () => {
    const base = testScene(128);
    const ant = { ...base, bodies: new Array(9).fill(base.bodies[0]), terms: ["a", "b", "c", "d"], actions: new Array(8).fill("a"), joints: new Array(8).fill(base.joints[0]), feet: new Array(4).fill(base.feet[0]) };
    const per = frameBytes(frameLayout(ant), true);
    expect(per * 20).toBeLessThan(50_000);
  });
});

describe("binary scene message", () => {
  it("carries the scene once, the heightfield as 16-bit heights, far smaller than JSON", () => {
    const rough = sceneTerrain(describeTerrain({ kind: "rough", amplitude: 0.08, scale: 0.5 }, 3));
    const scene = { ...testScene(64), terrain: rough };
    const bytes = encodeScene(scene);
    const back = decodeScene(bytes);
    const hf = rough.heightfield!;
    const n = hf.nx * hf.ny;
    expect(bytes.byteLength).toBeLessThan(2 * n + 8 * 1024);
    const json = JSON.stringify({ ...scene, terrain: { ...rough, heightfield: { ...hf, heights: Array.from(hf.heights) } } });
    console.log(`[scene] rough terrain: ${(bytes.byteLength / 1024).toFixed(0)} KB binary vs ${(json.length / 1024).toFixed(0)} KB JSON (${n} heights)`);
    expect(bytes.byteLength * 2).toBeLessThan(json.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hf.heights) [lo, hi] = [Math.min(lo, h), Math.max(hi, h)];
    const tol = (hi - lo) / 131070 + 1e-6;
    const bh = back.terrain.heightfield!.heights;
    for (let i = 0; i < n; i += 97) expect(Math.abs(bh[i] - hf.heights[i])).toBeLessThanOrEqual(tol);
    expect({ ...back, terrain: { ...back.terrain, heightfield: undefined } }).toEqual({ ...scene, terrain: { ...rough, heightfield: undefined } });
    expect(back.terrain.heightfield!.nx).toBe(hf.nx);
    // A flat scene has no heights; a message of another version or a truncated one is refused.
    const flat = testScene(8);
    expect(decodeScene(encodeScene(flat))).toEqual(flat);
    const other = encodeScene(flat);
    other[1] = PROTOCOL_VERSION + 1;
    expect(() => decodeScene(other)).toThrow(/protocol version/);
    expect(() => decodeScene(bytes.subarray(0, bytes.byteLength - 2))).toThrow(/its heightfield needs/);
  });
});

describe("recordings", () => {
  const scene = testScene(20);

  it("round-trip through a file with scene, conditions and meta", async () => {
    const w = new RecordingWriter(scene, { obsNoise: { sigma: 0.1 } }, { seed: 7 });
    for (let i = 0; i < 30; i++) w.add(patternFrame(scene, i, i % 4 === 0));
    const path = join(dir, "a.spkrec");
    await w.save(path);
    const { recording, name } = await loadRecording(path);
    expect(name).toBe("a.spkrec");
    expect(recording.header.frameCount).toBe(30);
    expect(recording.header.conditions).toEqual({ obsNoise: { sigma: 0.1 } });
    expect(recording.header.meta).toEqual({ seed: 7 });
    expect(recording.scene).toEqual(scene);
    expect(recording.frames.map((f) => f.step)).toEqual([...Array(30).keys()]);
    expect(Array.from(recording.frames[17].spikes)).toEqual(Array.from(patternFrame(scene, 17).spikes));
    expect(recording.frames[4].flags & FRAME_FLAG_HEAT).toBe(FRAME_FLAG_HEAT);
    expect(recording.frames[5].flags & FRAME_FLAG_HEAT).toBe(0);
  });

  it("rejects files that are not recordings, are truncated or of protocol 1, naming the file", async () => {
    const bad = join(dir, "bad.spkrec");
    writeFileSync(bad, "hello");
    await expect(loadRecording(bad)).rejects.toThrow(/bad\.spkrec: not a gzip-compressed spikeloco recording/);
    expect(() => decodeRecording(gzipSync(Buffer.from("NOTMAGIC....")), "x")).toThrow(/x: not a spikeloco recording/);
    expect(() => decodeRecording(gzipSync(Buffer.from("SPKLREC1\0\0\0\0")), "v1")).toThrow(/v1: recording of protocol version 1, this build reads 2 \(record it again\)/);
    const w = new RecordingWriter(scene, null);
    for (let i = 0; i < 3; i++) w.add(patternFrame(scene, i));
    const full = gunzipSync(w.toBytes());
    expect(() => decodeRecording(gzipSync(full.subarray(0, full.length - 3)), "t")).toThrow(/t: truncated at frame 2/);
    await expect(loadRecording(join(dir, "missing.spkrec"))).rejects.toThrow(/missing\.spkrec: cannot read recording: ENOENT/);
    expect(readFileSync(bad, "utf8")).toBe("hello");
  });
});

describe("control messages", () => {
  it("accepts valid controls and names the problem in invalid ones", () => {
    expect(parseControlMessage('{"type":"push","impulse":[0,20,0],"id":3}')).toEqual({ ok: true, message: { type: "push", impulse: [0, 20, 0], id: 3 } });
    expect(parseControlMessage("{nope")).toMatchObject({ ok: false, code: "malformed" });
    expect(parseControlMessage("[1,2]")).toMatchObject({ ok: false, code: "malformed" });
    expect(parseControlMessage('{"type":"fly","id":9}')).toMatchObject({ ok: false, code: "unknown-type", id: 9, message: "unknown message type 'fly'" });
    const bad = parseControlMessage('{"type":"push","impulse":[0,1e9,0]}');
    expect(bad).toMatchObject({ ok: false, code: "invalid" });
    expect(bad.ok ? "" : bad.message).toMatch(/^push\.impulse\.1: /);
    expect(parseControlMessage('{"type":"pause","paused":true,"extra":1}')).toMatchObject({ ok: false, code: "invalid" });
    expect(parseControlMessage(JSON.stringify({ type: "terrain", kind: "x".repeat(5000) }))).toMatchObject({ ok: false, code: "too-large" });
    // "toString" is a property of every object, not a control.
    expect(parseControlMessage('{"type":"toString"}')).toMatchObject({ ok: false, code: "unknown-type" });
  });

  it("are declared once: the validator accepts exactly the declared types, and every type has a cost", () => {
    const minimal: Record<string, object> = {
      hello: { version: 2 }, ping: {}, pause: { paused: true }, step: {}, reset: {}, speed: { speed: 1 }, push: { impulse: [0, 0, 0] }, noise: {}, disableLeg: { leg: null }, terrain: { kind: "flat" },
    };
    expect([...CONTROL_TYPES].sort()).toEqual(Object.keys(minimal).sort());
    for (const t of CONTROL_TYPES) {
      expect(parseControlMessage(JSON.stringify({ type: t, ...minimal[t] })), t).toMatchObject({ ok: true });
      expect(CONTROL_COSTS[t]).toBeGreaterThanOrEqual(1);
    }
    // The other places that used to restate the list now import it: no copy of the list is left in the sources.
    const sources = ["src/serve/validate.ts", "src/serve/server.ts", "src/serve/wire/protocol.ts", ...readdirSync("viewer/src").map((f) => join("viewer/src", f))];
    for (const file of sources) expect(readFileSync(file, "utf8"), file).not.toMatch(/"ping",\s*"pause",\s*"step"/);
  });
});

describe("the viewer bundle", () => {
  it("imports only viewer/src, src/serve/wire and packages; the build refuses anything else", async () => {
    const build = (await import(pathToFileURL(join(process.cwd(), "viewer", "build.mjs")).href)) as {
      importsOutsideWire(meta: esbuild.Metafile): string[];
    };
    const result = await esbuild.build({ entryPoints: ["viewer/src/main.ts"], bundle: true, write: false, metafile: true, format: "esm", platform: "browser", logLevel: "silent" });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("src/serve/wire/codec.ts"))).toBe(true);
    expect(build.importsOutsideWire(result.metafile)).toEqual([]);
    // A module that reaches outside wire/ is reported by name.
    const probe = join(dir, "probe.ts");
    writeFileSync(probe, `import { SpikelocoError } from ${JSON.stringify(join(process.cwd(), "src", "core", "errors.ts"))};\nexport const x = SpikelocoError;\n`);
    const bad = await esbuild.build({ entryPoints: [probe], bundle: true, write: false, metafile: true, format: "esm", platform: "browser", logLevel: "silent" });
    expect(build.importsOutsideWire(bad.metafile)).toContain(join("src", "core", "errors.ts"));
  });
});
