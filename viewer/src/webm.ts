/**
 * A minimal WebM (Matroska) writer for one VP8 video track: EBML header, Segment with Info and Tracks,
 * then one Cluster per key frame holding SimpleBlocks. Used to export a recording frame by frame with
 * WebCodecs (exact timing however slowly the frames render), where MediaRecorder would capture wall time.
 */

const enc = new TextEncoder();

function uint(v: number, bytes?: number): Uint8Array {
  let n = bytes ?? 1;
  if (bytes === undefined) while (v >= 2 ** (8 * n) && n < 8) n++;
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function float64(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v);
  return out;
}

/** Element size as an 8-byte EBML variable-length integer. */
function size8(n: number): Uint8Array {
  const out = uint(n, 8);
  out[0] = 0x01;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function el(id: number, ...children: Uint8Array[]): Uint8Array {
  const body = concat(children);
  return concat([uint(id), size8(body.byteLength), body]);
}

const str = (s: string) => enc.encode(s);

export class WebmWriter {
  private readonly clusters: Uint8Array[] = [];
  private current: { time: number; blocks: Uint8Array[] } | null = null;
  private lastTimeMs = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  /** Add one encoded VP8 frame; `timeUs` in microseconds. A key frame starts a new cluster. */
  add(data: Uint8Array, timeUs: number, key: boolean): void {
    const ms = Math.round(timeUs / 1000);
    if (key || !this.current || ms - this.current.time > 30_000) this.flushCluster(ms);
    const rel = ms - this.current!.time;
    const header = new Uint8Array(4);
    header[0] = 0x81; // track 1
    new DataView(header.buffer).setInt16(1, rel);
    header[3] = key ? 0x80 : 0x00;
    this.current!.blocks.push(el(0xa3, header, data));
    this.lastTimeMs = Math.max(this.lastTimeMs, ms);
  }

  private flushCluster(startMs: number | null): void {
    if (this.current) this.clusters.push(el(0x1f43b675, el(0xe7, uint(this.current.time)), ...this.current.blocks));
    this.current = startMs === null ? null : { time: startMs, blocks: [] };
  }

  /** The file; `durationMs` is the length shown by players. */
  finish(durationMs: number): Blob {
    this.flushCluster(null);
    const ebml = el(
      0x1a45dfa3,
      el(0x4286, uint(1)),
      el(0x42f7, uint(1)),
      el(0x42f2, uint(4)),
      el(0x42f3, uint(8)),
      el(0x4282, str("webm")),
      el(0x4287, uint(2)),
      el(0x4285, uint(2)),
    );
    const info = el(0x1549a966, el(0x2ad7b1, uint(1_000_000)), el(0x4d80, str("spikeloco")), el(0x5741, str("spikeloco viewer")), el(0x4489, float64(durationMs)));
    const tracks = el(
      0x1654ae6b,
      el(0xae, el(0xd7, uint(1)), el(0x73c5, uint(1)), el(0x83, uint(1)), el(0x86, str("V_VP8")), el(0xe0, el(0xb0, uint(this.width)), el(0xba, uint(this.height)))),
    );
    const segment = el(0x18538067, info, tracks, ...this.clusters);
    return new Blob([ebml as BlobPart, segment as BlobPart], { type: "video/webm" });
  }
}
