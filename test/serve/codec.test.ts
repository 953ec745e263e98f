import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, frameBytes, frameLayout } from "../../src/serve/codec.ts";
import { FRAME_FLAG_HEAT, PROTOCOL_VERSION } from "../../src/serve/protocol.ts";
import { RecordingWriter, decodeRecording, loadRecording } from "../../src/serve/recording.ts";
import { parseControlMessage } from "../../src/serve/validate.ts";
import { patternFrame, testScene } from "../support/serve-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "spikeloco-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("binary frame codec", () => {
  const scene = testScene(13);
  const layout = frameLayout(scene);

  it("round-trips every field; spikes and contacts are bit-packed", () => {
    const f = patternFrame(scene, 5);
    const bytes = encodeFrame(f, layout);
    // 48-byte header, 7 floats per body, terms, actions, modulators, 2 spike bytes, 1 contact byte, heat.
    expect(bytes.byteLength).toBe(48 + 4 * (14 + 2 + 2 + 1) + 2 + 1 + 4 + 12);
    expect(bytes.byteLength).toBe(frameBytes(layout, true));
    const g = decodeFrame(bytes, layout);
    expect(g.step).toBe(5);
    expect(g.episode).toBe(3);
    expect(g.flags).toBe(FRAME_FLAG_HEAT);
    expect(g.time).toBeCloseTo(0.25, 6);
    expect(Array.from(g.poses)).toEqual(Array.from(f.poses));
    expect(Array.from(g.spikes)).toEqual(Array.from(f.spikes));
    expect(Array.from(g.contacts)).toEqual([1]);
    expect(Array.from(g.terms)).toEqual(Array.from(f.terms));
    expect(Array.from(g.modulators)).toEqual(Array.from(f.modulators));
    expect(Array.from(g.torsoVelocity)).toEqual([5, -5, 0.25]);
    // Heat is quantised to 8 bits relative to its largest magnitude.
    for (let k = 0; k < f.heat.length; k++) expect(Math.abs(g.heat[k] - f.heat[k])).toBeLessThanOrEqual(0.6 / 127 / 2 + 1e-7);
  });

  it("omits the heat map when the flag is clear and rejects frames of the wrong size", () => {
    const f = patternFrame(scene, 2, false);
    const bytes = encodeFrame(f, layout);
    expect(bytes.byteLength).toBe(frameBytes(layout, false));
    expect(frameBytes(layout, true) - bytes.byteLength).toBe(4 + 12);
    expect(() => decodeFrame(bytes.subarray(0, bytes.byteLength - 1), layout)).toThrow(/layout expects/);
    expect(() => decodeFrame(bytes, frameLayout(testScene(40)))).toThrow(/layout expects/);
    // Every frame carries the protocol version; a frame of another version is refused, not misread.
    expect(bytes[1]).toBe(PROTOCOL_VERSION);
    const other = bytes.slice();
    other[1] = PROTOCOL_VERSION + 1;
    expect(() => decodeFrame(other, layout)).toThrow(`frame of protocol version ${PROTOCOL_VERSION + 1}, this build reads ${PROTOCOL_VERSION}`);
  });

  it("an Ant-sized frame with a 128-neuron raster stays far below 50 KB/s at 20 Hz", () => {
    const ant = { ...testScene(128), bodies: new Array(13).fill(testScene().bodies[0]), terms: ["a", "b", "c", "d", "e", "f"], actions: new Array(8).fill("a") };
    const per = frameBytes(frameLayout(ant), true);
    expect(per * 20).toBeLessThan(50_000);
  });
});

describe("recordings", () => {
  const scene = testScene(20);

  it("round-trip through a file with scene, conditions and meta", async () => {
    const w = new RecordingWriter(scene, { obsNoise: { sigma: 0.1 } }, { seed: 7 });
    for (let i = 0; i < 30; i++) w.add(patternFrame(scene, i, i % 4 === 0));
    const path = join(dir, "a.spkrec");
    await w.save(path);
    const { recording } = await loadRecording(path);
    expect(recording.header.frameCount).toBe(30);
    expect(recording.header.conditions).toEqual({ obsNoise: { sigma: 0.1 } });
    expect(recording.header.meta).toEqual({ seed: 7 });
    expect(recording.header.scene).toEqual(scene);
    expect(recording.frames.map((f) => f.step)).toEqual([...Array(30).keys()]);
    expect(Array.from(recording.frames[17].spikes)).toEqual(Array.from(patternFrame(scene, 17).spikes));
    expect(recording.frames[4].flags & FRAME_FLAG_HEAT).toBe(FRAME_FLAG_HEAT);
    expect(recording.frames[5].flags & FRAME_FLAG_HEAT).toBe(0);
  });

  it("rejects files that are not recordings or are truncated, naming the file", async () => {
    const bad = join(dir, "bad.spkrec");
    writeFileSync(bad, "hello");
    await expect(loadRecording(bad)).rejects.toThrow(/bad\.spkrec: not a gzip-compressed spikeloco recording/);
    expect(() => decodeRecording(gzipSync(Buffer.from("NOTMAGIC....")), "x")).toThrow(/x: not a spikeloco recording/);
    const w = new RecordingWriter(scene, null);
    for (let i = 0; i < 3; i++) w.add(patternFrame(scene, i));
    const full = gunzipSync(w.toBytes());
    expect(() => decodeRecording(gzipSync(full.subarray(0, full.length - 3)), "t")).toThrow(/t: truncated at frame 2/);
    await expect(loadRecording(join(dir, "missing.spkrec"))).rejects.toThrow(/missing\.spkrec: cannot read recording: ENOENT/);
    expect(readFileSync(bad, "utf8")).toBe("hello");
  });
});

describe("control message validation", () => {
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
  });
});
