/**
 * Recording file body (.spkrec, gzip-compressed on disk; see ../recording.ts), shared with the viewer:
 *
 *   "SPKLREC2" | u32 header length | header JSON | u32 scene length | scene message (scene-codec.ts) |
 *   { u32 length | frame (codec.ts) }*
 *
 * so a recording holds exactly the messages a live client would have received.
 */
import { cloneFrame, decodeFrame, frameLayout } from "./codec.ts";
import { PROTOCOL_VERSION, WireError, type Frame, type SceneDescription } from "./protocol.ts";
import { decodeScene } from "./scene-codec.ts";

export const RECORDING_MAGIC = "SPKLREC2";

export interface RecordingHeader {
  format: "spikeloco-recording";
  version: number;
  conditions: unknown;
  meta: Record<string, unknown>;
  frameCount: number;
}

export interface Recording {
  header: RecordingHeader;
  scene: SceneDescription;
  frames: Frame[];
}

/** Parse an uncompressed recording body (the browser gets it decompressed by HTTP gzip encoding). */
export function parseRecordingBody(raw: Uint8Array, source = "recording"): Recording {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = new TextDecoder("latin1").decode(raw.subarray(0, RECORDING_MAGIC.length));
  if (magic === "SPKLREC1") throw new WireError(`recording of protocol version 1, this build reads ${PROTOCOL_VERSION} (record it again)`, source);
  if (magic !== RECORDING_MAGIC) throw new WireError("not a spikeloco recording (bad magic)", source);
  let at = RECORDING_MAGIC.length;
  const block = (what: string): Uint8Array => {
    if (at + 4 > raw.byteLength) throw new WireError(`truncated ${what}`, source);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > raw.byteLength) throw new WireError(`truncated ${what}`, source);
    const out = raw.subarray(at, at + len);
    at += len;
    return out;
  };
  let header: RecordingHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(block("header"))) as RecordingHeader;
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError("header is not valid JSON", source);
  }
  if (header.format !== "spikeloco-recording") throw new WireError("header is not a spikeloco recording header", source);
  if (header.version !== PROTOCOL_VERSION) throw new WireError(`recording protocol version ${header.version}, this build reads ${PROTOCOL_VERSION}`, source);
  let scene: SceneDescription;
  try {
    scene = decodeScene(block("scene"));
  } catch (err) {
    throw new WireError(err instanceof WireError ? err.reason : String(err), source);
  }
  const layout = frameLayout(scene);
  const frames: Frame[] = [];
  while (at < raw.byteLength) {
    const bytes = block(`at frame ${frames.length}`);
    try {
      frames.push(cloneFrame(decodeFrame(bytes, layout)));
    } catch (err) {
      throw new WireError(`frame ${frames.length}: ${err instanceof WireError ? err.reason : String(err)}`, source);
    }
  }
  if (frames.length !== header.frameCount) throw new WireError(`header says ${header.frameCount} frames, file has ${frames.length}`, source);
  return { header, scene, frames };
}
