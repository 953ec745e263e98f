/** STL meshes (binary and ASCII) -> deduplicated vertices and triangles. */
import type { Vec3 } from "../math.ts";

export interface TriangleMesh {
  vertices: Vec3[];
  triangles: Array<[number, number, number]>;
}

/** Returns undefined when the bytes are neither a binary nor an ASCII STL. */
export function parseStl(bytes: Uint8Array, scale: Vec3 = [1, 1, 1]): TriangleMesh | undefined {
  const raw: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength >= 84 ? view.getUint32(80, true) : -1;
  if (count >= 0 && 84 + count * 50 === bytes.byteLength) {
    for (let t = 0; t < count; t++) {
      const base = 84 + t * 50 + 12;
      for (let k = 0; k < 9; k++) raw.push(view.getFloat32(base + k * 4, true));
    }
  } else {
    const text = new TextDecoder().decode(bytes);
    if (!/^\s*solid/.test(text)) return undefined;
    const re = /vertex\s+(\S+)\s+(\S+)\s+(\S+)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) raw.push(Number(m[1]), Number(m[2]), Number(m[3]));
    if (raw.length === 0 || raw.length % 9 !== 0 || !raw.every(Number.isFinite)) return undefined;
  }
  const index = new Map<string, number>();
  const vertices: Vec3[] = [];
  const triangles: Array<[number, number, number]> = [];
  const id = (i: number): number => {
    const v: Vec3 = [raw[i]! * scale[0], raw[i + 1]! * scale[1], raw[i + 2]! * scale[2]];
    const key = `${v[0]},${v[1]},${v[2]}`;
    let k = index.get(key);
    if (k === undefined) {
      k = vertices.length;
      vertices.push(v);
      index.set(key, k);
    }
    return k;
  };
  for (let i = 0; i < raw.length; i += 9) triangles.push([id(i), id(i + 3), id(i + 6)]);
  return { vertices, triangles };
}
