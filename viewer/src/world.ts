/**
 * The 3D view: textured terrain (a 1 m checker with 25 cm lines, so motion reads at the robot), the robot,
 * a fading torso trail with one dot per second, contact rings and force arrows, the push arrow, leg labels,
 * a world-axes gizmo, and camera presets sized to the robot.
 */
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { ConvexGeometry } from "three/examples/jsm/geometries/ConvexGeometry.js";
import { FRAME_FLAG_PUSH, FRAME_FLAG_RESET, type Frame, type SceneBody, type SceneDescription, type SceneGeom, type SceneTerrain } from "../../src/serve/wire/protocol.ts";

export const CAMERA_PRESETS = ["track", "side", "top", "free"] as const;
export type CameraPreset = (typeof CAMERA_PRESETS)[number];

/** A summary of the 3D scene, in three.js world coordinates (y up) unless said otherwise. */
export interface WorldInfo {
  bodies: number;
  terrainKind: string;
  /** Vertices of the terrain mesh built from the heightfield (0 without one). */
  heightfieldVertices: number;
  /** Terrain meshes drawn with the checker texture. */
  texturedTerrain: number;
  shadowsEnabled: boolean;
  /** "map": shadow mapping (high quality); "blob": a soft disc under the robot (low quality, software GL). */
  shadowKind: "map" | "blob";
  /** Robot meshes that cast shadows. */
  shadowCasters: number;
  camera: number[];
  cameraTarget: number[];
  torso: number[];
  preset: CameraPreset;
  /** Points of the torso trail drawn. */
  trailPoints: number;
  /** Foot force arrows shown. */
  forceArrows: number;
  /** Contact rings shown. */
  contactMarkers: number;
  legLabels: boolean;
  /** Bodies drawn as disabled. */
  disabledBodies: number;
  pushArrow: boolean;
  /** The robot's bounding box on the canvas, CSS px from the canvas' top left. */
  robotScreen: { x0: number; y0: number; x1: number; y1: number };
}

const BODY_COLORS = [0xd9a441, 0x4f8fd9, 0x55b37a, 0xc75b7a, 0x8e6fd1, 0x4fb8b8];
const TRAIL_FRAMES = 200;
/** Frames a push arrow stays after the push (1.5 s at 20 Hz). */
const PUSH_FRAMES = 30;

/** Simulation (z up) to three.js (y up): (x, y, z) -> (x, z, -y). */
function toThree(x: number, y: number, z: number, out = new THREE.Vector3()): THREE.Vector3 {
  return out.set(x, z, -y);
}

/** Grey checker of 1 m squares with 25 cm lines; one texture repeat covers 2 m. Colours come from the material. */
function makeGroundTexture(): THREE.CanvasTexture {
  const size = 512;
  const c = document.createElement("canvas");
  c.width = size;
  c.height = size;
  const g = c.getContext("2d")!;
  const half = size / 2;
  g.fillStyle = "#e8e8e8";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#b4b4b4";
  g.fillRect(0, 0, half, half);
  g.fillRect(half, half, half, half);
  g.fillStyle = "rgba(0,0,0,0.16)";
  for (let k = 1; k < 8; k++) {
    if (k === 4) continue;
    const p = (k * size) / 8;
    g.fillRect(p - 1, 0, 2, size);
    g.fillRect(0, p - 1, size, 2);
  }
  g.fillStyle = "rgba(255,255,255,0.75)";
  for (const p of [0, half]) {
    g.fillRect(p, 0, 3, size);
    g.fillRect(0, p, size, 3);
  }
  const tex = new THREE.CanvasTexture(c);
  tex.wrapS = THREE.RepeatWrapping;
  tex.wrapT = THREE.RepeatWrapping;
  tex.colorSpace = THREE.SRGBColorSpace;
  return tex;
}

/** World-space planar UVs (the dominant axis of each vertex normal picks the plane), 2 m per texture repeat. */
function applyWorldUVs(geo: THREE.BufferGeometry, matrix: THREE.Matrix4): void {
  const pos = geo.getAttribute("position");
  const nor = geo.getAttribute("normal");
  const uv = new Float32Array(pos.count * 2);
  const p = new THREE.Vector3();
  const n = new THREE.Vector3();
  const normalMatrix = new THREE.Matrix3().getNormalMatrix(matrix);
  for (let i = 0; i < pos.count; i++) {
    p.fromBufferAttribute(pos, i).applyMatrix4(matrix);
    n.fromBufferAttribute(nor, i).applyMatrix3(normalMatrix);
    const ax = Math.abs(n.x);
    const ay = Math.abs(n.y);
    const az = Math.abs(n.z);
    let u: number;
    let v: number;
    if (az >= ax && az >= ay) [u, v] = [p.x, p.y];
    else if (ax >= ay) [u, v] = [p.y, p.z];
    else [u, v] = [p.x, p.z];
    uv[2 * i] = u / 2;
    uv[2 * i + 1] = v / 2;
  }
  geo.setAttribute("uv", new THREE.BufferAttribute(uv, 2));
}

/** Text on a sprite (leg numbers, push magnitude, gizmo axis names); `height` in world units. */
function textSprite(text: string, color: string, height: number): THREE.Sprite {
  const c = document.createElement("canvas");
  const g = c.getContext("2d")!;
  const font = "bold 40px system-ui, sans-serif";
  g.font = font;
  c.width = Math.ceil(g.measureText(text).width) + 24;
  c.height = 56;
  g.font = font;
  g.fillStyle = "rgba(10,12,16,0.72)";
  g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = color;
  g.textBaseline = "middle";
  g.fillText(text, 12, c.height / 2 + 2);
  const tex = new THREE.CanvasTexture(c);
  tex.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: tex, depthTest: false, transparent: true }));
  sprite.scale.set((height * c.width) / c.height, height, 1);
  sprite.renderOrder = 10;
  return sprite;
}

/** A solid arrow (shaft + head) along +y of its group, unit length before scaling. */
class Arrow {
  readonly group = new THREE.Group();
  private readonly shaft: THREE.Mesh;
  private readonly head: THREE.Mesh;

  constructor(color: number) {
    const mat = new THREE.MeshBasicMaterial({ color, depthTest: false, transparent: true, opacity: 0.95 });
    this.shaft = new THREE.Mesh(new THREE.CylinderGeometry(1, 1, 1, 10), mat);
    this.head = new THREE.Mesh(new THREE.ConeGeometry(1, 1, 14), mat);
    this.group.add(this.shaft, this.head);
    this.group.renderOrder = 9;
    this.shaft.renderOrder = 9;
    this.head.renderOrder = 9;
    this.group.visible = false;
  }

  /** From `from` along `dir` (three.js coords) with total `length` and shaft `radius`. */
  set(from: THREE.Vector3, dir: THREE.Vector3, length: number, radius: number): void {
    const headLength = Math.min(length * 0.45, radius * 5);
    const shaftLength = Math.max(1e-4, length - headLength);
    this.group.position.copy(from);
    this.group.quaternion.setFromUnitVectors(new THREE.Vector3(0, 1, 0), dir.clone().normalize());
    this.shaft.scale.set(radius, shaftLength, radius);
    this.shaft.position.set(0, shaftLength / 2, 0);
    this.head.scale.set(radius * 2.4, headLength, radius * 2.4);
    this.head.position.set(0, shaftLength + headLength / 2, 0);
    this.group.visible = true;
  }
}

interface PresetSpec {
  /** Camera offset from the target, in units of the robot extent (simulation axes: x forward, y left, z up). */
  offset: [number, number, number];
  /** Target ahead of the torso (extents along +x). */
  lookAhead: number;
  /** Follow smoothing time constant (s); the robot lags by speed x tau, so it walks across the screen. */
  tau: number;
}

const PRESETS: Record<Exclude<CameraPreset, "free">, PresetSpec> = {
  // From behind and to the right of the walking direction, looking ahead: the robot walks left to right
  // with the terrain ahead in view.
  track: { offset: [-2.4, -5.2, 2.6], lookAhead: 1.6, tau: 0.9 },
  side: { offset: [0, -6.5, 1.0], lookAhead: 0, tau: 0.35 },
  top: { offset: [-0.3, -0.01, 9], lookAhead: 0.5, tau: 0.35 },
};

export class World {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.02, 500);
  private readonly controls: OrbitControls;
  /** Root in simulation coordinates (rotated so that its z is three.js' y). */
  private readonly root = new THREE.Group();
  private bodies: THREE.Object3D[] = [];
  private bodyMaterials: THREE.Material[] = [];
  private readonly disabledMaterial: THREE.Material;
  private readonly blobShadow: THREE.Mesh;
  /** Lambert materials and no shadow mapping in low quality: a CPU rasteriser pays per pixel for both. */
  private readonly makeMaterial: (p: THREE.MeshStandardMaterialParameters) => THREE.Material;
  private disabledBodies = new Set<number>();
  private desc: SceneDescription | null = null;
  private terrainGroup = new THREE.Group();
  private terrainCache = new Map<SceneTerrain, THREE.Group>();
  private readonly groundTexture: THREE.CanvasTexture;
  private readonly sun: THREE.DirectionalLight;
  private rings: THREE.Mesh[] = [];
  private forceArrows: Arrow[] = [];
  private legLabels: THREE.Sprite[] = [];
  private readonly pushArrow = new Arrow(0xff4040);
  private pushLabel: THREE.Sprite | null = null;
  private readonly trail: THREE.Line;
  private readonly trailDots: THREE.Points;
  private readonly gizmoScene = new THREE.Scene();
  private readonly gizmoCamera = new THREE.OrthographicCamera(-1.8, 1.8, 1.8, -1.8, 0.1, 10);
  private extent = 0.5;
  private torso = new THREE.Vector3();
  private followTarget: THREE.Vector3 | null = null;
  private lastRenderMs = performance.now();
  preset: CameraPreset = "track";
  showForces = true;
  showLegLabels = false;
  showTrail = true;
  private terrainKind = "";

  /** "low" for software GL (SwiftShader, llvmpipe): no MSAA, basic shadows, reduced resolution. */
  readonly quality: "low" | "high";

  constructor(
    private readonly canvas: HTMLCanvasElement,
    quality: "auto" | "low" | "high" = "auto",
  ) {
    this.quality = quality === "auto" ? (softwareRenderer() ? "low" : "high") : quality;
    const high = this.quality === "high";
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: high, preserveDrawingBuffer: true, powerPreference: "high-performance" });
    this.makeMaterial = high ? (p) => new THREE.MeshStandardMaterial(p) : ({ roughness: _r, metalness: _m, ...p }) => new THREE.MeshLambertMaterial(p as THREE.MeshLambertMaterialParameters);
    // A disabled leg: pale grey, see-through, with a red glow, unlike any body colour.
    this.disabledMaterial = this.makeMaterial({ color: 0xb0b4ba, roughness: 0.9, transparent: true, opacity: 0.45, emissive: 0x601010 });
    this.renderer.shadowMap.enabled = high;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    this.renderer.setPixelRatio(high ? Math.min(window.devicePixelRatio, 2) : Math.min(window.devicePixelRatio, 1) * lowResolutionScale());
    this.renderer.autoClear = false;
    this.groundTexture = makeGroundTexture();
    // Anisotropic filtering keeps the far checker crisp; on a CPU rasteriser it costs more than it shows.
    this.groundTexture.anisotropy = high ? Math.min(8, this.renderer.capabilities.getMaxAnisotropy()) : 1;
    this.scene.background = new THREE.Color(0x1d2430);
    this.scene.fog = new THREE.Fog(0x1d2430, 25, 80);
    this.scene.add(new THREE.HemisphereLight(0xcfe3ff, 0x3a2f24, 1.0));
    this.sun = new THREE.DirectionalLight(0xffffff, 1.7);
    this.sun.castShadow = high;
    this.sun.shadow.mapSize.set(2048, 2048);
    this.scene.add(this.sun, this.sun.target);
    this.scene.add(this.root);
    this.root.rotation.set(-Math.PI / 2, 0, 0);
    this.root.add(this.terrainGroup);
    this.scene.add(this.pushArrow.group);
    const trailGeo = new THREE.BufferGeometry();
    trailGeo.setAttribute("position", new THREE.BufferAttribute(new Float32Array(TRAIL_FRAMES * 3), 3));
    trailGeo.setAttribute("color", new THREE.BufferAttribute(new Float32Array(TRAIL_FRAMES * 4), 4));
    this.trail = new THREE.Line(trailGeo, new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, depthWrite: false }));
    this.trail.frustumCulled = false;
    const dotGeo = new THREE.BufferGeometry();
    dotGeo.setAttribute("position", new THREE.BufferAttribute(new Float32Array(32 * 3), 3));
    this.trailDots = new THREE.Points(dotGeo, new THREE.PointsMaterial({ color: 0xffd070, size: 6, sizeAttenuation: false, transparent: true, opacity: 0.9, depthWrite: false }));
    this.trailDots.frustumCulled = false;
    this.scene.add(this.trail, this.trailDots);
    this.blobShadow = new THREE.Mesh(new THREE.CircleGeometry(1, 32), new THREE.MeshBasicMaterial({ map: blobTexture(), transparent: true, depthWrite: false }));
    this.blobShadow.visible = !high;
    this.root.add(this.blobShadow);
    this.camera.position.set(3, 2.2, 3);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.target.set(0, 0.4, 0);
    this.buildGizmo();
  }

  private buildGizmo(): void {
    const axes: [string, number, [number, number, number]][] = [
      ["x", 0xff5a5a, [1, 0, 0]],
      ["y", 0x5adc6a, [0, 1, 0]],
      ["z up", 0x5a9aff, [0, 0, 1]],
    ];
    for (const [name, color, d] of axes) {
      const arrow = new Arrow(color);
      const dir = toThree(d[0], d[1], d[2]);
      arrow.set(new THREE.Vector3(), dir, 1, 0.06);
      this.gizmoScene.add(arrow.group);
      const label = textSprite(name, `#${color.toString(16).padStart(6, "0")}`, 0.42);
      label.position.copy(dir.multiplyScalar(1.35));
      this.gizmoScene.add(label);
    }
  }

  /** Robot, terrain and markers of a new session. */
  setScene(desc: SceneDescription): void {
    for (const b of this.bodies) this.root.remove(b);
    for (const m of this.rings) this.root.remove(m);
    for (const a of this.forceArrows) this.scene.remove(a.group);
    for (const s of this.legLabels) this.scene.remove(s);
    this.desc = desc;
    this.extent = Math.max(0.1, desc.extent);
    this.terrainCache.clear();
    this.setTerrain(desc.terrain);
    this.bodyMaterials = desc.bodies.map((_, i) => this.makeMaterial({ color: BODY_COLORS[i === 0 ? 0 : 1 + (i % (BODY_COLORS.length - 1))]!, roughness: 0.55, metalness: 0.1 }));
    this.bodies = desc.bodies.map((b, i) => {
      const obj = buildBody(b, this.bodyMaterials[i]!);
      this.root.add(obj);
      return obj;
    });
    this.disabledBodies = new Set();
    const ringGeo = new THREE.RingGeometry(1, 1.45, 28);
    this.rings = desc.feet.map((f) => {
      const m = new THREE.Mesh(ringGeo, new THREE.MeshBasicMaterial({ color: 0xff4030, transparent: true, opacity: 0.85, side: THREE.DoubleSide, depthWrite: false }));
      const r = Math.max(0.015, f.radius * 1.2);
      m.scale.set(r, r, 1);
      m.visible = false;
      this.root.add(m);
      return m;
    });
    this.forceArrows = desc.feet.map(() => {
      const a = new Arrow(0x40e0ff);
      this.scene.add(a.group);
      return a;
    });
    this.legLabels = desc.legs.map((leg, i) => {
      const s = textSprite(`${i} ${leg.name}`, "#ffe9a8", this.extent * 0.1);
      s.visible = false;
      this.scene.add(s);
      return s;
    });
    const cam = this.sun.shadow.camera;
    const r = Math.max(3, this.extent * 6);
    cam.left = -r;
    cam.right = r;
    cam.top = r;
    cam.bottom = -r;
    cam.near = 0.5;
    cam.far = 40;
    cam.updateProjectionMatrix();
    this.followTarget = null;
  }

  /** Swap the terrain (a terrain switch keeps the robot and the history); built terrains are cached. */
  setTerrain(t: SceneTerrain): void {
    if (this.terrainCache.get(t) === this.terrainGroup && this.terrainGroup.parent) return;
    this.root.remove(this.terrainGroup);
    let g = this.terrainCache.get(t);
    if (!g) {
      g = buildTerrain(t, this.groundTexture, this.makeMaterial);
      if (this.terrainCache.size >= 4) this.terrainCache.delete(this.terrainCache.keys().next().value!);
      this.terrainCache.set(t, g);
    }
    this.terrainGroup = g;
    this.terrainKind = t.kind;
    this.root.add(g);
  }

  /** Draw the legs of `leg` (null: none) as disabled. */
  setDisabledLeg(leg: number | null): void {
    const d = this.desc;
    if (!d) return;
    const next = new Set<number>();
    if (leg !== null && d.legs[leg]) for (const j of d.legs[leg].joints) next.add(d.joints[j]!.child);
    this.disabledBodies = next;
    this.bodies.forEach((b, i) => {
      const mat = next.has(i) ? this.disabledMaterial : this.bodyMaterials[i];
      b.traverse((o) => {
        if (o instanceof THREE.Mesh) o.material = mat;
      });
    });
  }

  /** Place everything for frame `cursor` of `frames` (the trail and the push arrow look back in the same episode). */
  update(frames: readonly Frame[], cursor: number): void {
    const d = this.desc;
    const frame = frames[cursor];
    if (!d || !frame) return;
    const p = frame.poses;
    for (let i = 0; i < this.bodies.length; i++) {
      const o = i * 7;
      this.bodies[i]!.position.set(p[o]!, p[o + 1]!, p[o + 2]!);
      this.bodies[i]!.quaternion.set(p[o + 3]!, p[o + 4]!, p[o + 5]!, p[o + 6]!);
    }
    this.root.updateMatrixWorld();
    toThree(p[0]!, p[1]!, p[2]!, this.torso);
    const footWorld = new THREE.Vector3();
    const g = 9.81 * Math.max(0.05, d.mass);
    let groundZ = Infinity;
    d.feet.forEach((foot, f) => {
      const body = this.bodies[foot.body]!;
      footWorld.set(foot.point[0]!, foot.point[1]!, foot.point[2]!).applyQuaternion(body.quaternion).add(body.position);
      const ring = this.rings[f]!;
      ring.visible = frame.contacts[f] === 1;
      ring.position.set(footWorld.x, footWorld.y, footWorld.z - foot.radius + 0.004);
      groundZ = Math.min(groundZ, footWorld.z - foot.radius);
      const fx = frame.contactForces[3 * f]!;
      const fy = frame.contactForces[3 * f + 1]!;
      const fz = frame.contactForces[3 * f + 2]!;
      const mag = Math.hypot(fx, fy, fz);
      const arrow = this.forceArrows[f]!;
      if (this.showForces && mag > 0.02 * g) {
        // A foot carrying the whole weight gets an arrow of one robot extent.
        const base = toThree(footWorld.x, footWorld.y, footWorld.z - foot.radius);
        // Capped at 1.5 weights: impacts would otherwise shoot arrows off the screen.
        arrow.set(base, toThree(fx, fy, fz), Math.min(1.5, mag / g) * this.extent, this.extent * 0.018);
      } else arrow.group.visible = false;
      const label = this.legLabels[d.legs.findIndex((l) => l.foot === f)];
      if (label) {
        // Beside the foot, pushed outwards from the torso so that neighbouring labels do not overlap.
        label.visible = this.showLegLabels;
        const ox = footWorld.x - p[0]!;
        const oy = footWorld.y - p[1]!;
        const n = Math.hypot(ox, oy) || 1;
        const out = this.extent * 0.35;
        label.position.copy(toThree(footWorld.x + (ox / n) * out, footWorld.y + (oy / n) * out, footWorld.z + this.extent * 0.12));
      }
    });
    if (this.blobShadow.visible && Number.isFinite(groundZ)) {
      this.blobShadow.position.set(p[0]!, p[1]!, groundZ + 0.003);
      this.blobShadow.scale.setScalar(this.extent * 0.9);
    }
    this.updatePush(frames, cursor);
    this.updateTrail(frames, cursor);
    this.sun.position.copy(this.torso).add(new THREE.Vector3(4, 8, 3));
    this.sun.target.position.copy(this.torso);
  }

  private updatePush(frames: readonly Frame[], cursor: number): void {
    let k = cursor;
    let found: Frame | null = null;
    while (k >= 0 && cursor - k <= PUSH_FRAMES) {
      const f = frames[k]!;
      if (f.flags & FRAME_FLAG_PUSH && (f.push[0] !== 0 || f.push[1] !== 0 || f.push[2] !== 0)) {
        found = f;
        break;
      }
      if (f.flags & FRAME_FLAG_RESET) break;
      k--;
    }
    if (this.pushLabel) {
      this.scene.remove(this.pushLabel);
      this.pushLabel = null;
    }
    if (!found) {
      this.pushArrow.group.visible = false;
      return;
    }
    const dir = toThree(found.push[0]!, found.push[1]!, found.push[2]!);
    const impulse = dir.length();
    const d = this.desc!;
    // Length grows with the velocity change the push gives (impulse / mass), one extent per m/s.
    const length = this.extent * Math.min(3, 0.6 + impulse / Math.max(0.05, d.mass));
    const from = this.torso.clone().addScaledVector(dir.clone().normalize(), -length - this.extent * 0.3);
    this.pushArrow.set(from, dir, length, this.extent * 0.035);
    this.pushLabel = textSprite(`push ${impulse.toFixed(2)} N·s`, "#ff8080", this.extent * 0.16);
    this.pushLabel.position.copy(from).add(new THREE.Vector3(0, this.extent * 0.3, 0));
    this.scene.add(this.pushLabel);
  }

  private updateTrail(frames: readonly Frame[], cursor: number): void {
    const pos = this.trail.geometry.getAttribute("position") as THREE.BufferAttribute;
    const col = this.trail.geometry.getAttribute("color") as THREE.BufferAttribute;
    const dots = this.trailDots.geometry.getAttribute("position") as THREE.BufferAttribute;
    let first = cursor;
    while (first > 0 && cursor - first < TRAIL_FRAMES - 1 && !(frames[first]!.flags & FRAME_FLAG_RESET)) first--;
    const n = this.showTrail ? cursor - first + 1 : 0;
    const v = new THREE.Vector3();
    let nDots = 0;
    for (let i = 0; i < n; i++) {
      const f = frames[first + i]!;
      toThree(f.poses[0]!, f.poses[1]!, f.poses[2]!, v);
      pos.setXYZ(i, v.x, v.y, v.z);
      const age = (n - 1 - i) / TRAIL_FRAMES;
      col.setXYZW(i, 1, 0.82, 0.35, Math.max(0, 1 - age) * 0.95);
      // One dot per second of episode time: their spacing is the speed.
      if (i > 0 && Math.floor(f.time + 1e-6) !== Math.floor(frames[first + i - 1]!.time + 1e-6) && nDots < dots.count) dots.setXYZ(nDots++, v.x, v.y, v.z);
    }
    pos.needsUpdate = true;
    col.needsUpdate = true;
    dots.needsUpdate = true;
    this.trail.geometry.setDrawRange(0, n);
    this.trailDots.geometry.setDrawRange(0, nDots);
  }

  /** Pick a camera preset; track, side and top follow the torso (smoothed), free leaves the camera to the mouse. */
  setPreset(p: CameraPreset): void {
    this.preset = p;
    this.followTarget = null;
  }

  private desiredTarget(spec: PresetSpec): THREE.Vector3 {
    const t = this.torso.clone();
    t.x += spec.lookAhead * this.extent;
    t.y *= 0.7;
    return t;
  }

  private follow(dtSeconds: number): void {
    if (this.preset === "free" || !this.desc) return;
    const spec = PRESETS[this.preset];
    const want = this.desiredTarget(spec);
    if (this.followTarget === null || want.distanceTo(this.followTarget) > this.extent * 20) {
      // Place the camera by the preset (first frame, a new preset, or a teleport at an episode reset).
      this.followTarget = want.clone();
      this.controls.target.copy(want);
      const o = spec.offset;
      this.camera.position.copy(want).add(toThree(o[0] * this.extent, o[1] * this.extent, o[2] * this.extent));
      this.controls.update();
      return;
    }
    const a = 1 - Math.exp(-Math.max(0, dtSeconds) / spec.tau);
    const delta = want.sub(this.followTarget).multiplyScalar(a);
    this.followTarget.add(delta);
    this.camera.position.add(delta);
    this.controls.target.add(delta);
  }

  /** What is in the 3D scene (tests read it through window.__spikeloco.state). */
  describe(): WorldInfo {
    let shadowCasters = 0;
    let heightfieldVertices = 0;
    let texturedTerrain = 0;
    for (const b of this.bodies) b.traverse((o) => void (o instanceof THREE.Mesh && o.castShadow && shadowCasters++));
    this.terrainGroup.traverse((o) => {
      if (!(o instanceof THREE.Mesh)) return;
      if (o.userData.heightfield === true) heightfieldVertices += (o.geometry as THREE.BufferGeometry).getAttribute("position").count;
      if ((o.material as THREE.MeshLambertMaterial).map === this.groundTexture) texturedTerrain++;
    });
    return {
      bodies: this.bodies.length,
      terrainKind: this.terrainKind,
      heightfieldVertices,
      texturedTerrain,
      shadowsEnabled: (this.renderer.shadowMap.enabled && this.sun.castShadow) || this.blobShadow.visible,
      shadowKind: this.renderer.shadowMap.enabled ? "map" : "blob",
      shadowCasters,
      camera: this.camera.position.toArray(),
      cameraTarget: this.controls.target.toArray(),
      torso: this.torso.toArray(),
      preset: this.preset,
      trailPoints: this.trail.geometry.drawRange.count === Infinity ? 0 : this.trail.geometry.drawRange.count,
      forceArrows: this.forceArrows.filter((a) => a.group.visible).length,
      contactMarkers: this.rings.filter((m) => m.visible).length,
      legLabels: this.showLegLabels,
      disabledBodies: this.disabledBodies.size,
      pushArrow: this.pushArrow.group.visible,
      robotScreen: this.robotScreen(),
    };
  }

  private robotScreen(): WorldInfo["robotScreen"] {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const box = new THREE.Box3();
    for (const b of this.bodies) box.expandByObject(b);
    if (box.isEmpty()) return { x0: 0, y0: 0, x1: 0, y1: 0 };
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const v = new THREE.Vector3();
    for (let i = 0; i < 8; i++) {
      v.set(i & 1 ? box.max.x : box.min.x, i & 2 ? box.max.y : box.min.y, i & 4 ? box.max.z : box.min.z).project(this.camera);
      const sx = ((v.x + 1) / 2) * w;
      const sy = ((1 - v.y) / 2) * h;
      x0 = Math.min(x0, sx);
      y0 = Math.min(y0, sy);
      x1 = Math.max(x1, sx);
      y1 = Math.max(y1, sy);
    }
    return { x0, y0, x1, y1 };
  }

  /** Draw; `dtSeconds` (default: wall time since the last render) drives the camera smoothing. */
  render(dtSeconds?: number): void {
    const now = performance.now();
    const dt = dtSeconds ?? (now - this.lastRenderMs) / 1000;
    this.lastRenderMs = now;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const ratio = this.renderer.getPixelRatio();
    if (this.canvas.width !== Math.floor(w * ratio) || this.canvas.height !== Math.floor(h * ratio)) {
      this.renderer.setSize(w, h, false);
      this.camera.aspect = w / Math.max(1, h);
      this.camera.updateProjectionMatrix();
    }
    this.follow(dt);
    this.controls.update();
    this.renderer.setScissorTest(false);
    this.renderer.setViewport(0, 0, w, h);
    this.renderer.clear();
    this.renderer.render(this.scene, this.camera);
    // The axes gizmo in the bottom-left corner, turned with the camera.
    const size = Math.min(120, Math.floor(Math.min(w, h) / 4));
    const dir = this.camera.position.clone().sub(this.controls.target).normalize();
    this.gizmoCamera.position.copy(dir.multiplyScalar(4));
    this.gizmoCamera.up.copy(this.camera.up);
    this.gizmoCamera.lookAt(0, 0, 0);
    this.renderer.clearDepth();
    this.renderer.setScissorTest(true);
    this.renderer.setScissor(8, 8, size, size);
    this.renderer.setViewport(8, 8, size, size);
    this.renderer.render(this.gizmoScene, this.gizmoCamera);
    this.renderer.setScissorTest(false);
    this.renderer.setViewport(0, 0, w, h);
  }
}

/** Render-resolution scale in low quality (URL ?scale=0.75 overrides; 0.5 by default: CPU rasterisation cost is per pixel). */
function lowResolutionScale(): number {
  const v = Number(new URLSearchParams(location.search).get("scale"));
  return v > 0.1 && v <= 1 ? v : 0.5;
}

/** True when WebGL runs on a CPU rasteriser (headless browsers, VMs without a GPU). */
function softwareRenderer(): boolean {
  const gl = document.createElement("canvas").getContext("webgl");
  if (!gl) return true;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return /swiftshader|llvmpipe|software|softpipe/i.test(name);
}

/** A soft dark disc (radial gradient) for the blob shadow. */
function blobTexture(): THREE.CanvasTexture {
  const c = document.createElement("canvas");
  c.width = c.height = 64;
  const g = c.getContext("2d")!;
  const grad = g.createRadialGradient(32, 32, 0, 32, 32, 32);
  grad.addColorStop(0, "rgba(0,0,0,0.55)");
  grad.addColorStop(0.6, "rgba(0,0,0,0.3)");
  grad.addColorStop(1, "rgba(0,0,0,0)");
  g.fillStyle = grad;
  g.fillRect(0, 0, 64, 64);
  return new THREE.CanvasTexture(c);
}

const Y_AXIS = new THREE.Vector3(0, 1, 0);

function buildGeom(g: SceneGeom, mat: THREE.Material): THREE.Mesh {
  let mesh: THREE.Mesh;
  switch (g.kind) {
    case "box":
      mesh = new THREE.Mesh(new THREE.BoxGeometry(2 * g.halfExtents[0]!, 2 * g.halfExtents[1]!, 2 * g.halfExtents[2]!), mat);
      mesh.position.set(g.center[0]!, g.center[1]!, g.center[2]!);
      break;
    case "sphere":
      mesh = new THREE.Mesh(new THREE.SphereGeometry(g.radius, 20, 14), mat);
      mesh.position.set(g.center[0]!, g.center[1]!, g.center[2]!);
      break;
    case "capsule": {
      const from = new THREE.Vector3(g.from[0], g.from[1], g.from[2]);
      const to = new THREE.Vector3(g.to[0], g.to[1], g.to[2]);
      const axis = to.clone().sub(from);
      const length = axis.length();
      mesh = new THREE.Mesh(new THREE.CapsuleGeometry(g.radius, length, 6, 12), mat);
      mesh.position.copy(from).add(to).multiplyScalar(0.5);
      if (length > 1e-9) mesh.quaternion.setFromUnitVectors(Y_AXIS, axis.normalize());
      break;
    }
    case "cylinder": {
      const from = new THREE.Vector3(g.from[0], g.from[1], g.from[2]);
      const to = new THREE.Vector3(g.to[0], g.to[1], g.to[2]);
      const axis = to.clone().sub(from);
      const length = axis.length();
      mesh = new THREE.Mesh(new THREE.CylinderGeometry(g.radius, g.radius, length, 16), mat);
      mesh.position.copy(from).add(to).multiplyScalar(0.5);
      if (length > 1e-9) mesh.quaternion.setFromUnitVectors(Y_AXIS, axis.normalize());
      break;
    }
    case "convex": {
      const points: THREE.Vector3[] = [];
      for (let i = 0; i + 2 < g.points.length; i += 3) points.push(new THREE.Vector3(g.points[i], g.points[i + 1], g.points[i + 2]));
      mesh = new THREE.Mesh(new ConvexGeometry(points), mat);
      break;
    }
  }
  mesh.castShadow = true;
  mesh.receiveShadow = true;
  return mesh;
}

function buildBody(b: SceneBody, mat: THREE.Material): THREE.Object3D {
  const group = new THREE.Group();
  for (const g of b.geoms) group.add(buildGeom(g, mat));
  return group;
}

/** Terrain in simulation coordinates (z up), textured with the ground checker; heights also shade it. */
function buildTerrain(t: SceneTerrain, texture: THREE.Texture, makeMaterial: (p: THREE.MeshStandardMaterialParameters) => THREE.Material): THREE.Group {
  const group = new THREE.Group();
  const hf = t.heightfield;
  if (hf) {
    const positions = new Float32Array(hf.nx * hf.ny * 3);
    const uvs = new Float32Array(hf.nx * hf.ny * 2);
    for (let ix = 0; ix < hf.nx; ix++)
      for (let iy = 0; iy < hf.ny; iy++) {
        const k = ix * hf.ny + iy;
        const x = hf.x0 + ix * hf.dx;
        const y = hf.y0 + iy * hf.dy;
        positions[3 * k] = x;
        positions[3 * k + 1] = y;
        positions[3 * k + 2] = hf.heights[k] ?? 0;
        uvs[2 * k] = x / 2;
        uvs[2 * k + 1] = y / 2;
      }
    const index: number[] = [];
    for (let ix = 0; ix + 1 < hf.nx; ix++)
      for (let iy = 0; iy + 1 < hf.ny; iy++) {
        const a = ix * hf.ny + iy;
        const b = (ix + 1) * hf.ny + iy;
        index.push(a, b, a + 1, b, b + 1, a + 1);
      }
    // Shade by height as well, so bumps read under the checker.
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hf.heights) {
      lo = Math.min(lo, h);
      hi = Math.max(hi, h);
    }
    const colors = new Float32Array(positions.length);
    const low = new THREE.Color(0x5d6873);
    const high = new THREE.Color(0xb3bfcb);
    const c = new THREE.Color();
    for (let k = 0; k < hf.nx * hf.ny; k++) {
      c.copy(low).lerp(high, hi > lo ? ((hf.heights[k] ?? 0) - lo) / (hi - lo) : 0.5);
      colors.set([c.r, c.g, c.b], 3 * k);
    }
    const geo = new THREE.BufferGeometry();
    geo.setAttribute("position", new THREE.BufferAttribute(positions, 3));
    geo.setAttribute("color", new THREE.BufferAttribute(colors, 3));
    geo.setAttribute("uv", new THREE.BufferAttribute(uvs, 2));
    geo.setIndex(index);
    geo.computeVertexNormals();
    const mesh = new THREE.Mesh(geo, makeMaterial({ vertexColors: true, roughness: 0.95, map: texture }));
    mesh.receiveShadow = true;
    mesh.userData.heightfield = true;
    group.add(mesh);
  }
  // Boxes (ground slab, stairs, stones, slopes): shaded by their top height, edges outlined.
  let topLo = Infinity;
  let topHi = -Infinity;
  for (const b of t.boxes) {
    topLo = Math.min(topLo, b.center[2]! + b.halfExtents[2]!);
    topHi = Math.max(topHi, b.center[2]! + b.halfExtents[2]!);
  }
  const edgeMaterial = new THREE.LineBasicMaterial({ color: 0x2a3038 });
  const boxLow = new THREE.Color(0x6a7581);
  const boxHigh = new THREE.Color(0xaab5c1);
  t.boxes.forEach((b) => {
    const top = b.center[2]! + b.halfExtents[2]!;
    const shade = t.boxes.length > 1 ? new THREE.Color().copy(boxLow).lerp(boxHigh, topHi > topLo ? (top - topLo) / (topHi - topLo) : 0.3) : new THREE.Color(0x8a95a1);
    const geo = new THREE.BoxGeometry(2 * b.halfExtents[0]!, 2 * b.halfExtents[1]!, 2 * b.halfExtents[2]!);
    const mesh = new THREE.Mesh(geo, makeMaterial({ color: shade, roughness: 0.95, map: texture }));
    mesh.position.set(b.center[0]!, b.center[1]!, b.center[2]!);
    mesh.quaternion.set(b.rotation[0]!, b.rotation[1]!, b.rotation[2]!, b.rotation[3]!);
    mesh.updateMatrix();
    applyWorldUVs(geo, mesh.matrix);
    mesh.receiveShadow = true;
    if (t.boxes.length > 1) mesh.add(new THREE.LineSegments(new THREE.EdgesGeometry(geo), edgeMaterial));
    group.add(mesh);
  });
  return group;
}
