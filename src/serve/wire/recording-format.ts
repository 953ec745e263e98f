/** Recording file body format, shared with the viewer (no Node imports). See recording.ts. */
import { SpikelocoError } from "../core/errors.ts";
import { cloneFrame, decodeFrame, frameLayout } from "./codec.ts";
import { PROTOCOL_VERSION, type Frame, type SceneDescription } from "./protocol.ts";

export const RECORDING_MAGIC = "SPKLREC1";
const MAGIC = RECORDING_MAGIC;

export interface RecordingHeader {
  format: "spikeloco-recording";
  version: number;
  scene: SceneDescription;
  conditions: unknown;
  meta: Record<string, unknown>;
  frameCount: number;
}

export interface Recording {
  header: RecordingHeader;
  frames: Frame[];
}

/** Parse an uncompressed recording body (the browser gets it decompressed by HTTP gzip encoding). */
export function parseRecordingBody(raw: Uint8Array, source = "recording"): Recording {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = new TextDecoder("latin1").decode(raw.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new SpikelocoError("not a spikeloco recording (bad magic)", source);
  const headerLength = view.getUint32(MAGIC.length, true);
  let at = MAGIC.length + 4;
  if (at + headerLength > raw.byteLength) throw new SpikelocoError("truncated header", source);
  let header: RecordingHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(raw.subarray(at, at + headerLength))) as RecordingHeader;
  } catch {
    throw new SpikelocoError("header is not valid JSON", source);
  }
  if (header.format !== "spikeloco-recording" || typeof header.scene !== "object") {
    throw new SpikelocoError("header is not a spikeloco recording header", source);
  }
  if (header.version !== PROTOCOL_VERSION) {
    throw new SpikelocoError(`recording protocol version ${header.version}, this build reads ${PROTOCOL_VERSION}`, source);
  }
  at += headerLength;
  const layout = frameLayout(header.scene);
  const frames: Frame[] = [];
  while (at < raw.byteLength) {
    if (at + 4 > raw.byteLength) throw new SpikelocoError(`truncated at frame ${frames.length}`, source);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > raw.byteLength) throw new SpikelocoError(`truncated at frame ${frames.length}`, source);
    try {
      frames.push(cloneFrame(decodeFrame(raw.subarray(at, at + len), layout)));
    } catch (err) {
      throw new SpikelocoError(`frame ${frames.length}: ${(err as Error).message}`, source);
    }
    at += len;
  }
  if (frames.length !== header.frameCount) {
    throw new SpikelocoError(`header says ${header.frameCount} frames, file has ${frames.length}`, source);
  }
  return { header, frames };
}

