/** The 3D view: terrain, robot bodies, lights and shadows, contact markers, push arrows, camera. */
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import type { Frame, SceneBody, SceneDescription, SceneTerrain } from "../../src/serve/protocol.ts";

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
  private footBodies: number[] = [];
  private terrainGroup = new THREE.Group();
  private readonly pushArrow: THREE.ArrowHelper;
  private pushShownUntil = 0;
  private readonly sun: THREE.DirectionalLight;
  private readonly lastTorso = new THREE.Vector3();
  follow = true;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.shadowMap.enabled = true;
    this.renderer.shadowMap.type = THREE.PCFSoftShadowMap;
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.scene.background = new THREE.Color(0x1d2430);
    this.scene.fog = new THREE.Fog(0x1d2430, 25, 80);
    this.scene.add(new THREE.HemisphereLight(0xcfe3ff, 0x3a2f24, 0.9));
    this.sun = new THREE.DirectionalLight(0xffffff, 1.6);
    this.sun.position.set(4, 8, 3);
    this.sun.castShadow = true;
    this.sun.shadow.mapSize.set(1024, 1024);
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
    this.root.add(this.terrainGroup);
    this.root.rotation.set(desc.up === "z" ? -Math.PI / 2 : 0, 0, 0);
    this.bodies = desc.bodies.map((b, i) => {
      const obj = buildBody(b, BODY_COLORS[i === 0 ? 0 : 1 + (i % (BODY_COLORS.length - 1))]);
      this.root.add(obj);
      return obj;
    });
    this.footBodies = [];
    desc.bodies.forEach((b, i) => {
      if (b.foot !== undefined) this.footBodies[b.foot] = i;
    });
    this.feetMarkers = desc.feet.map(() => {
      const m = new THREE.Mesh(new THREE.SphereGeometry(0.06, 12, 8), new THREE.MeshBasicMaterial({ color: 0xff5533 }));
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
      const bi = this.footBodies[f];
      const marker = this.feetMarkers[f];
      marker.visible = frame.contacts[f] === 1 && bi !== undefined;
      if (marker.visible) marker.position.copy(this.bodies[bi].position);
    }
    if (this.bodies.length > 0) {
      this.root.updateMatrixWorld();
      const torso = this.bodies[0].getWorldPosition(new THREE.Vector3());
      if (frame.push[0] !== 0 || frame.push[1] !== 0 || frame.push[2] !== 0) {
        const dir = new THREE.Vector3(frame.push[0], frame.push[1], frame.push[2]).applyQuaternion(this.root.quaternion);
        const len = dir.length();
        this.pushArrow.setDirection(dir.normalize());
        this.pushArrow.setLength(0.4 + Math.min(1.5, len * 0.02), 0.25, 0.15);
        this.pushArrow.position.copy(torso).addScaledVector(dir, -(0.4 + Math.min(1.5, len * 0.02)) - 0.2);
        this.pushArrow.visible = true;
        this.pushShownUntil = nowMs + 800;
      } else if (nowMs > this.pushShownUntil) this.pushArrow.visible = false;
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

function material(color: number): THREE.MeshStandardMaterial {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.55, metalness: 0.1 });
}

function buildBody(b: SceneBody, color: number): THREE.Object3D {
  let geometry: THREE.BufferGeometry;
  const s = b.size;
  switch (b.shape) {
    case "box":
      geometry = new THREE.BoxGeometry(2 * s[0], 2 * s[1], 2 * s[2]);
      break;
    case "sphere":
      geometry = new THREE.SphereGeometry(s[0], 20, 14);
      break;
    case "capsule":
      geometry = new THREE.CapsuleGeometry(s[1], 2 * s[0], 6, 12);
      break;
    case "cylinder":
      geometry = new THREE.CylinderGeometry(s[1], s[1], 2 * s[0], 16);
      break;
  }
  const mesh = new THREE.Mesh(geometry, material(color));
  mesh.castShadow = true;
  mesh.receiveShadow = true;
  if (b.local) {
    mesh.position.set(b.local[0], b.local[1], b.local[2]);
    mesh.quaternion.set(b.local[3], b.local[4], b.local[5], b.local[6]);
  }
  const group = new THREE.Group();
  group.add(mesh);
  return group;
}

/** Terrain in simulation coordinates with y as the height axis (the root rotation handles z-up). */
function buildTerrain(t: SceneTerrain): THREE.Group {
  const group = new THREE.Group();
  const ground = new THREE.MeshStandardMaterial({ color: 0x56606b, roughness: 0.95 });
  if (t.heightfield) {
    const hf = t.heightfield;
    const geo = new THREE.PlaneGeometry(hf.sizeX, hf.sizeZ, hf.nx - 1, hf.nz - 1);
    geo.rotateX(-Math.PI / 2);
    const pos = geo.attributes.position;
    for (let r = 0; r < hf.nz; r++) for (let c = 0; c < hf.nx; c++) pos.setY(r * hf.nx + c, hf.heights[r * hf.nx + c] ?? 0);
    geo.translate(hf.cx, 0, hf.cz);
    geo.computeVertexNormals();
    const mesh = new THREE.Mesh(geo, ground);
    mesh.receiveShadow = true;
    group.add(mesh);
  }
  for (const b of t.boxes ?? []) {
    const mesh = new THREE.Mesh(new THREE.BoxGeometry(2 * b.halfExtents[0], 2 * b.halfExtents[1], 2 * b.halfExtents[2]), ground);
    mesh.position.set(b.center[0], b.center[1], b.center[2]);
    mesh.quaternion.set(b.rotation[0], b.rotation[1], b.rotation[2], b.rotation[3]);
    mesh.receiveShadow = true;
    mesh.castShadow = true;
    group.add(mesh);
  }
  if (t.planeY !== undefined) {
    const plane = new THREE.Mesh(new THREE.PlaneGeometry(400, 400), ground);
    plane.rotateX(-Math.PI / 2);
    plane.position.y = t.planeY - 0.001;
    plane.receiveShadow = true;
    group.add(plane);
    const grid = new THREE.GridHelper(400, 400, 0x6a7582, 0x626c78);
    grid.position.y = t.planeY + 0.001;
    group.add(grid);
  }
  return group;
}
