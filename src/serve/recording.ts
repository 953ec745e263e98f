/**
 * Recording file (.spkrec): gzip of the body described in wire/recording-format.ts (header JSON, the
 * binary scene message, then the stream's binary frames).
 */
import { rename, readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { SpikelocoError } from "../core/errors.ts";
import { encodeFrame, frameLayout, type FrameLayout } from "./wire/codec.ts";
import { PROTOCOL_VERSION, WireError, type Frame, type SceneDescription } from "./wire/protocol.ts";
import { RECORDING_MAGIC, parseRecordingBody as parseBody, type Recording, type RecordingHeader } from "./wire/recording-format.ts";
import { encodeScene } from "./wire/scene-codec.ts";

export type { Recording, RecordingHeader };

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
      conditions: this.conditions ?? null,
      meta: this.meta,
      frameCount: this.chunks.length,
    };
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    const sceneBytes = encodeScene(this.scene);
    const parts: Uint8Array[] = [Buffer.from(RECORDING_MAGIC, "latin1")];
    const lengthPrefixed = (b: Uint8Array) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.byteLength, 0);
      parts.push(len, b);
    };
    lengthPrefixed(headerBytes);
    lengthPrefixed(sceneBytes);
    for (const c of this.chunks) lengthPrefixed(c);
    return gzipSync(Buffer.concat(parts), { level: 6 });
  }

  /** Write atomically (temp file + rename). */
  async save(path: string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, this.toBytes());
    await rename(tmp, path);
  }
}

/** Parse an uncompressed body; format errors become SpikelocoErrors naming `source`. */
export function parseRecordingBody(raw: Uint8Array, source = "recording"): Recording {
  try {
    return parseBody(raw, source);
  } catch (err) {
    if (err instanceof WireError) throw new SpikelocoError(err.reason, source);
    throw err;
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

export async function loadRecording(path: string): Promise<{ recording: Recording; bytes: Uint8Array; name: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SpikelocoError(`cannot read recording: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  return { recording: decodeRecording(bytes, path), bytes, name: basename(path) };
}
