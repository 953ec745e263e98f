/**
 * Recording file (.spkrec): gzip( "SPKLREC1" | u32 header length | header JSON | { u32 length | frame }* ).
 * Frames use the stream codec (codec.ts), so a recording is exactly what a live client would have
 * received; the header holds the scene, the conditions and free-form metadata.
 */
import { rename, readFile, writeFile } from "node:fs/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { SpikelocoError } from "../core/errors.ts";
import { encodeFrame, frameLayout, type FrameLayout } from "./codec.ts";
import { PROTOCOL_VERSION, type Frame, type SceneDescription } from "./protocol.ts";
import { RECORDING_MAGIC as MAGIC, parseRecordingBody, type Recording, type RecordingHeader } from "./recording-format.ts";

export { parseRecordingBody, type Recording, type RecordingHeader };


/** Collects encoded frames of one or more episodes; bounded by `maxFrames` (older frames are kept). */
export class RecordingWriter {
  private readonly chunks: Uint8Array[] = [];
  private readonly layout: FrameLayout;

  constructor(
    readonly scene: SceneDescription,
    readonly conditions: unknown,
    readonly meta: Record<string, unknown> = {},
    readonly maxFrames = 100_000,
  ) {
    this.layout = frameLayout(scene);
  }

  get frameCount(): number {
    return this.chunks.length;
  }

  add(frame: Frame): void {
    if (this.chunks.length < this.maxFrames) this.chunks.push(encodeFrame(frame, this.layout));
  }

  addEncoded(bytes: Uint8Array): void {
    if (this.chunks.length < this.maxFrames) this.chunks.push(bytes);
  }

  /** The gzip-compressed file contents. */
  toBytes(): Uint8Array {
    const header: RecordingHeader = {
      format: "spikeloco-recording",
      version: PROTOCOL_VERSION,
      scene: this.scene,
      conditions: this.conditions ?? null,
      meta: this.meta,
      frameCount: this.chunks.length,
    };
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    let total = MAGIC.length + 4 + headerBytes.length;
    for (const c of this.chunks) total += 4 + c.byteLength;
    const out = Buffer.alloc(total);
    let at = out.write(MAGIC, 0, "latin1");
    out.writeUInt32LE(headerBytes.length, at);
    at += 4;
    headerBytes.copy(out, at);
    at += headerBytes.length;
    for (const c of this.chunks) {
      out.writeUInt32LE(c.byteLength, at);
      at += 4;
      out.set(c, at);
      at += c.byteLength;
    }
    return gzipSync(out, { level: 6 });
  }

  /** Write atomically (temp file + rename). */
  async save(path: string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, this.toBytes());
    await rename(tmp, path);
  }
}

export function decodeRecording(bytes: Uint8Array, source = "recording"): Recording {
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch {
    throw new SpikelocoError("not a gzip-compressed spikeloco recording", source);
  }
  return parseRecordingBody(raw, source);
}

export async function loadRecording(path: string): Promise<{ recording: Recording; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SpikelocoError(`cannot read recording: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  return { recording: decodeRecording(bytes, path), bytes };
}
