/** The 3D view: terrain, robot bodies, lights and shadows, contact markers, push arrows, camera. */
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { ConvexGeometry } from "three/examples/jsm/geometries/ConvexGeometry.js";
import type { Frame, SceneBody, SceneDescription, SceneGeom, SceneTerrain } from "../../src/serve/protocol.ts";

/** A summary of the 3D scene, in three.js world coordinates (y up). */
export interface WorldInfo {
  bodies: number;
  terrainKind: string;
  /** Vertices of the terrain mesh built from the heightfield (0 without one). */
  heightfieldVertices: number;
  shadowsEnabled: boolean;
  /** Robot meshes that cast shadows. */
  shadowCasters: number;
  camera: number[];
  cameraTarget: number[];
  torso: number[];
}

const BODY_COLORS = [0xd9a441, 0x4f8fd9, 0x55b37a, 0xc75b7a, 0x8e6fd1, 0x4fb8b8];

export class World {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.05, 500);
  private readonly controls: OrbitControls;
  /** Root in world coordinates of the simulation (rotated when the simulation is z-up). */
  private readonly root = new THREE.Group();
  private bodies: THREE.Object3D[] = [];
  private feetMarkers: THREE.Mesh[] = [];
  private feet: SceneDescription["feet"] = [];
  private terrainGroup = new THREE.Group();
  private readonly pushArrow: THREE.ArrowHelper;
  private pushShownUntil = 0;
  private readonly pushDir = new THREE.Vector3();
  private readonly sun: THREE.DirectionalLight;
  private readonly lastTorso = new THREE.Vector3();
  follow = true;
  private terrainKind = "";

  /** What is in the 3D scene (tests read it through window.__spikeloco.state). */
  describe(): WorldInfo {
    let shadowCasters = 0;
    let heightfieldVertices = 0;
    for (const b of this.bodies) b.traverse((o) => void (o instanceof THREE.Mesh && o.castShadow && shadowCasters++));
    this.terrainGroup.traverse((o) => {
      if (o instanceof THREE.Mesh && o.userData.heightfield === true) heightfieldVertices += (o.geometry as THREE.BufferGeometry).getAttribute("position").count;
    });
    const torso = this.bodies.length > 0 ? this.bodies[0].getWorldPosition(new THREE.Vector3()) : new THREE.Vector3();
    return {
      bodies: this.bodies.length,
      terrainKind: this.terrainKind,
      heightfieldVertices,
      shadowsEnabled: this.renderer.shadowMap.enabled && this.sun.castShadow,
      shadowCasters,
      camera: this.camera.position.toArray(),
      cameraTarget: this.controls.target.toArray(),
      torso: torso.toArray(),
    };
  }

  /** "low" for software GL (SwiftShader, llvmpipe): no MSAA, basic shadows, capped resolution. */
  readonly quality: "low" | "high";

  constructor(private readonly canvas: HTMLCanvasElement, quality: "auto" | "low" | "high" = "auto") {
    this.quality = quality === "auto" ? (softwareRenderer() ? "low" : "high") : quality;
    const high = this.quality === "high";
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: high, preserveDrawingBuffer: true, powerPreference: "high-performance" });
    this.renderer.shadowMap.enabled = true;
    this.renderer.shadowMap.type = high ? THREE.PCFSoftShadowMap : THREE.BasicShadowMap;
    this.renderer.setPixelRatio(high ? Math.min(window.devicePixelRatio, 2) : Math.min(window.devicePixelRatio, 1) * lowResolutionScale());
    this.scene.background = new THREE.Color(0x1d2430);
    this.scene.fog = new THREE.Fog(0x1d2430, 25, 80);
    this.scene.add(new THREE.HemisphereLight(0xcfe3ff, 0x3a2f24, 0.9));
    this.sun = new THREE.DirectionalLight(0xffffff, 1.6);
    this.sun.position.set(4, 8, 3);
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(high ? 2048 : 512, high ? 2048 : 512);
    const cam = this.sun.shadow.camera;
    cam.left = -6; cam.right = 6; cam.top = 6; cam.bottom = -6; cam.near = 0.5; cam.far = 30;
    this.scene.add(this.sun, this.sun.target);
    this.scene.add(this.root);
    this.root.add(this.terrainGroup);
    this.pushArrow = new THREE.ArrowHelper(new THREE.Vector3(1, 0, 0), new THREE.Vector3(), 1, 0xff4040, 0.25, 0.15);
    this.pushArrow.visible = false;
    this.scene.add(this.pushArrow);
    this.camera.position.set(3, 2.2, 3);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.target.set(0, 0.4, 0);
  }

  setScene(desc: SceneDescription): void {
    for (const b of this.bodies) this.root.remove(b);
    for (const m of this.feetMarkers) this.root.remove(m);
    this.root.remove(this.terrainGroup);
    this.terrainGroup = buildTerrain(desc.terrain);
    this.terrainKind = desc.terrain.kind;
    this.root.add(this.terrainGroup);
    // Simulation is z-up: (x, y, z) -> three.js (x, z, -y).
    this.root.rotation.set(-Math.PI / 2, 0, 0);
    this.bodies = desc.bodies.map((b, i) => {
      const obj = buildBody(b, BODY_COLORS[i === 0 ? 0 : 1 + (i % (BODY_COLORS.length - 1))]);
      this.root.add(obj);
      return obj;
    });
    this.feet = desc.feet;
    this.feetMarkers = desc.feet.map(() => {
      // Larger than the foot capsule so the marker shows around the tip.
      const m = new THREE.Mesh(new THREE.SphereGeometry(0.11, 14, 10), new THREE.MeshBasicMaterial({ color: 0xff3322, transparent: true, opacity: 0.75 }));
      m.visible = false;
      this.root.add(m);
      return m;
    });
  }

  /** Place bodies, markers and the push arrow for one frame. */
  update(frame: Frame, nowMs: number): void {
    const p = frame.poses;
    for (let i = 0; i < this.bodies.length; i++) {
      const o = i * 7;
      this.bodies[i].position.set(p[o], p[o + 1], p[o + 2]);
      this.bodies[i].quaternion.set(p[o + 3], p[o + 4], p[o + 5], p[o + 6]);
    }
    for (let f = 0; f < this.feetMarkers.length; f++) {
      const foot = this.feet[f];
      const marker = this.feetMarkers[f];
      const body = this.bodies[foot.body];
      marker.visible = frame.contacts[f] === 1 && body !== undefined;
      if (marker.visible) marker.position.set(foot.point[0], foot.point[1], foot.point[2]).applyQuaternion(body.quaternion).add(body.position);
    }
    if (this.bodies.length > 0) {
      this.root.updateMatrixWorld();
      const torso = this.bodies[0].getWorldPosition(new THREE.Vector3());
      if (frame.push[0] !== 0 || frame.push[1] !== 0 || frame.push[2] !== 0) this.showPush(frame.push, nowMs);
      if (nowMs > this.pushShownUntil) this.pushArrow.visible = false;
      else {
        // The arrow ends at the torso, pointing along the impulse; its length grows with the impulse.
        const length = 0.4 + Math.min(1.2, 0.4 * this.pushDir.length());
        const dir = this.pushDir.clone().normalize();
        this.pushArrow.setDirection(dir);
        this.pushArrow.setLength(length, 0.18, 0.12);
        this.pushArrow.position.copy(torso).addScaledVector(dir, -length - 0.25);
        this.pushArrow.visible = true;
      }
      if (this.follow) {
        const delta = torso.clone().sub(this.lastTorso);
        if (delta.lengthSq() < 25) {
          this.camera.position.add(delta);
          this.controls.target.add(delta);
        } else {
          this.controls.target.copy(torso);
          this.camera.position.copy(torso).add(new THREE.Vector3(3, 2.2, 3));
        }
      }
      this.lastTorso.copy(torso);
      this.sun.position.copy(torso).add(new THREE.Vector3(4, 8, 3));
      this.sun.target.position.copy(torso);
    }
  }

  pushArrowVisible(): boolean {
    return this.pushArrow.visible;
  }

  visibleContactMarkers(): number {
    return this.feetMarkers.filter((m) => m.visible).length;
  }

  /** Show a push arrow for a while (called for every pushed frame, even when rendering skips it). */
  showPush(impulse: ArrayLike<number>, nowMs: number): void {
    this.pushDir.set(impulse[0], impulse[1], impulse[2]).applyQuaternion(this.root.quaternion);
    if (this.pushDir.lengthSq() > 0) this.pushShownUntil = nowMs + 2000;
  }

  render(): void {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (this.canvas.width !== Math.floor(w * this.renderer.getPixelRatio()) || this.canvas.height !== Math.floor(h * this.renderer.getPixelRatio())) {
      this.renderer.setSize(w, h, false);
      this.camera.aspect = w / Math.max(1, h);
      this.camera.updateProjectionMatrix();
    }
    this.controls.update();
    this.renderer.render(this.scene, this.camera);
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

function material(color: number): THREE.MeshStandardMaterial {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.55, metalness: 0.1 });
}

const Y_AXIS = new THREE.Vector3(0, 1, 0);

function buildGeom(g: SceneGeom, mat: THREE.Material): THREE.Mesh {
  let mesh: THREE.Mesh;
  switch (g.kind) {
    case "box":
      mesh = new THREE.Mesh(new THREE.BoxGeometry(2 * g.halfExtents[0], 2 * g.halfExtents[1], 2 * g.halfExtents[2]), mat);
      mesh.position.set(g.center[0], g.center[1], g.center[2]);
      break;
    case "sphere":
      mesh = new THREE.Mesh(new THREE.SphereGeometry(g.radius, 20, 14), mat);
      mesh.position.set(g.center[0], g.center[1], g.center[2]);
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

function buildBody(b: SceneBody, color: number): THREE.Object3D {
  const group = new THREE.Group();
  const mat = material(color);
  for (const g of b.geoms) group.add(buildGeom(g, mat));
  return group;
}

/** Terrain in simulation coordinates (z up); the root rotation turns it into three.js' frame. */
function buildTerrain(t: SceneTerrain): THREE.Group {
  const group = new THREE.Group();
  const ground = new THREE.MeshStandardMaterial({ color: 0x56606b, roughness: 0.95 });
  const hf = t.heightfield;
  if (hf) {
    const positions = new Float32Array(hf.nx * hf.ny * 3);
    for (let ix = 0; ix < hf.nx; ix++) for (let iy = 0; iy < hf.ny; iy++) {
      const k = ix * hf.ny + iy;
      positions[3 * k] = hf.x0 + ix * hf.dx;
      positions[3 * k + 1] = hf.y0 + iy * hf.dy;
      positions[3 * k + 2] = hf.heights[k] ?? 0;
    }
    const index: number[] = [];
    for (let ix = 0; ix + 1 < hf.nx; ix++) for (let iy = 0; iy + 1 < hf.ny; iy++) {
      const a = ix * hf.ny + iy;
      const b = (ix + 1) * hf.ny + iy;
      index.push(a, b, a + 1, b, b + 1, a + 1);
    }
    // Colour by height so small bumps read clearly.
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hf.heights) {
      lo = Math.min(lo, h);
      hi = Math.max(hi, h);
    }
    const colors = new Float32Array(positions.length);
    const low = new THREE.Color(0x3c4650);
    const high = new THREE.Color(0x9aa6b2);
    const c = new THREE.Color();
    for (let k = 0; k < hf.nx * hf.ny; k++) {
      c.copy(low).lerp(high, hi > lo ? ((hf.heights[k] ?? 0) - lo) / (hi - lo) : 0.5);
      colors.set([c.r, c.g, c.b], 3 * k);
    }
    const geo = new THREE.BufferGeometry();
    geo.setAttribute("position", new THREE.BufferAttribute(positions, 3));
    geo.setAttribute("color", new THREE.BufferAttribute(colors, 3));
    geo.setIndex(index);
    geo.computeVertexNormals();
    const mesh = new THREE.Mesh(geo, new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.95 }));
    mesh.receiveShadow = true;
    mesh.userData.heightfield = true;
    group.add(mesh);
  }
  // Boxes (stairs, gaps, slopes): shade each by its top height and alternate the shade, and outline the edges,
  // so that centimetre steps of one grey material remain visible under top-down light.
  let topLo = Infinity;
  let topHi = -Infinity;
  for (const b of t.boxes) {
    topLo = Math.min(topLo, b.center[2] + b.halfExtents[2]);
    topHi = Math.max(topHi, b.center[2] + b.halfExtents[2]);
  }
  const edgeMaterial = new THREE.LineBasicMaterial({ color: 0x2a3038 });
  const boxLow = new THREE.Color(0x4a5560);
  const boxHigh = new THREE.Color(0x8f9ba8);
  t.boxes.forEach((b, i) => {
    const top = b.center[2] + b.halfExtents[2];
    const shade = new THREE.Color().copy(boxLow).lerp(boxHigh, topHi > topLo ? (top - topLo) / (topHi - topLo) : 0.3);
    if (t.boxes.length > 1 && i % 2 === 1) shade.multiplyScalar(0.88);
    const geo = new THREE.BoxGeometry(2 * b.halfExtents[0], 2 * b.halfExtents[1], 2 * b.halfExtents[2]);
    const mesh = new THREE.Mesh(geo, t.boxes.length > 1 ? new THREE.MeshStandardMaterial({ color: shade, roughness: 0.95 }) : ground);
    mesh.position.set(b.center[0], b.center[1], b.center[2]);
    mesh.quaternion.set(b.rotation[0], b.rotation[1], b.rotation[2], b.rotation[3]);
    mesh.receiveShadow = true;
    if (t.boxes.length > 1) mesh.add(new THREE.LineSegments(new THREE.EdgesGeometry(geo), edgeMaterial));
    group.add(mesh);
  });
  if (t.kind !== "flat") return group;
  // A grid on z = 0 gives a sense of motion on flat ground.
  const grid = new THREE.GridHelper(60, 60, 0x6a7582, 0x626c78);
  grid.rotation.x = Math.PI / 2;
  grid.position.z = 0.002;
  group.add(grid);
  return group;
}
