/** Viewer entry: connection, frame history, playback (live and replay), UI wiring. */
import { allocFrame, cloneFrame, decodeFrame, frameLayout, type FrameLayout } from "../../src/serve/codec.ts";
import { FRAME_FLAG_PUSH, PROTOCOL_VERSION, type ControlMessage, type Frame, type LiveSettings, type SceneDescription, type ServerMessage } from "../../src/serve/protocol.ts";
import { parseRecordingBody } from "../../src/serve/recording-format.ts";
import { Panels } from "./panels.ts";
import { World, type WorldInfo } from "./world.ts";

const LIVE_HISTORY = 3000;

interface ViewerState {
  connected: boolean;
  mode: "live" | "replay" | null;
  framesReceived: number;
  bytesReceived: number;
  renderedFrames: number;
  fps: number;
  cursor: number;
  historyLength: number;
  torsoVelocity: number[];
  rasterSpikes: number;
  errors: string[];
  acks: string[];
  settings: LiveSettings | null;
  /** Frames that carried a push: torso velocity of the frame before and of the push frame. */
  pushes: { step: number; impulse: number[]; before: number[]; after: number[] }[];
  /** Milliseconds spent in the last second drawing the panels and the 3D view. */
  panelsMs: number;
  sceneMs: number;
  pushArrowVisible: boolean;
  contactMarkers: number;
  /** The 3D scene after the last render: bodies, terrain mesh, shadows, camera and torso positions. */
  world: WorldInfo | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const qualityParam = params.get("quality");
const world = new World($("canvas3d"), qualityParam === "low" || qualityParam === "high" ? qualityParam : "auto");
const panels = new Panels();
const state: ViewerState = {
  connected: false, mode: null, framesReceived: 0, bytesReceived: 0, renderedFrames: 0, fps: 0, cursor: 0,
  historyLength: 0, torsoVelocity: [0, 0, 0], rasterSpikes: 0, errors: [], acks: [], settings: null, pushes: [], panelsMs: 0, sceneMs: 0, pushArrowVisible: false, contactMarkers: 0, world: null,
};
let scene: SceneDescription | null = null;
let layout: FrameLayout | null = null;
let history: Frame[] = [];
let cursor = 0;
let following = true;
let playing = true;
let speed = 1;
let playClock = 0;
let ws: WebSocket | null = null;
let nextId = 1;
let dirty = true;

function send(msg: ControlMessage): void {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...msg, id: msg.id ?? nextId++ }));
}

function setMessage(text: string): void {
  $("message").textContent = text;
}

function applyScene(next: SceneDescription, mode: "live" | "replay", settings: LiveSettings | null): void {
  scene = next;
  layout = frameLayout(next);
  history = [];
  cursor = 0;
  following = mode === "live";
  playing = true;
  state.mode = mode;
  world.setScene(next);
  panels.setScene(next);
  $("mode").textContent = mode === "live" ? "live simulation" : "replay";
  $("controller").textContent = `${next.envId} · ${next.controller}`;
  $("untrained").hidden = !next.untrained;
  for (const id of ["push", "pushDir", "pushSize", "obsNoise", "actNoise", "leg", "terrain", "reset", "live"]) {
    ($(id) as HTMLInputElement).disabled = mode !== "live";
  }
  const leg = $("leg") as HTMLSelectElement;
  leg.innerHTML = '<option value="">none</option>';
  for (let i = 0; i < next.legs; i++) leg.add(new Option(`leg ${i}`, String(i)));
  const terrain = $("terrain") as HTMLSelectElement;
  terrain.innerHTML = "";
  for (const k of next.terrainKinds) terrain.add(new Option(k, k));
  if (settings) applySettings(settings);
  if (mode === "replay") void loadRecording();
  dirty = true;
}

function applySettings(s: LiveSettings): void {
  state.settings = s;
  ($("obsNoise") as HTMLInputElement).checked = s.obsNoise > 0;
  ($("actNoise") as HTMLInputElement).checked = s.actionNoise > 0;
  ($("leg") as HTMLSelectElement).value = s.disabledLeg === null ? "" : String(s.disabledLeg);
  ($("terrain") as HTMLSelectElement).value = s.terrain;
  ($("speed") as HTMLSelectElement).value = String(s.speed);
  if (state.mode === "live") playing = !s.paused;
}

async function loadRecording(): Promise<void> {
  const res = await fetch(`api/recording?t=${Date.now()}`);
  if (!res.ok) {
    setMessage(`cannot load recording: HTTP ${res.status}`);
    return;
  }
  const rec = parseRecordingBody(new Uint8Array(await res.arrayBuffer()));
  history = rec.frames;
  cursor = 0;
  playClock = 0;
  state.framesReceived = history.length;
  dirty = true;
}

function onFrame(data: ArrayBuffer): void {
  if (!layout) return;
  state.bytesReceived += data.byteLength;
  const frame = cloneFrame(decodeFrame(new Uint8Array(data), layout, allocFrame(layout)));
  state.framesReceived++;
  const prev = history[history.length - 1];
  if (frame.flags & FRAME_FLAG_PUSH && prev) {
    state.pushes.push({ step: frame.step, impulse: Array.from(frame.push), before: Array.from(prev.torsoVelocity), after: Array.from(frame.torsoVelocity) });
  }
  if (frame.flags & FRAME_FLAG_PUSH && following) world.showPush(frame.push, performance.now());
  history.push(frame);
  if (history.length > LIVE_HISTORY) {
    history.splice(0, history.length - LIVE_HISTORY);
    cursor = Math.max(0, cursor - 1);
  }
  if (following) cursor = history.length - 1;
  dirty = true;
}

function onText(text: string): void {
  const msg = JSON.parse(text) as ServerMessage;
  switch (msg.type) {
    case "hello":
      applyScene(msg.scene, msg.mode, msg.settings);
      break;
    case "scene":
      applyScene(msg.scene, msg.mode, null);
      // The controller pill already names the controller; say only what changed.
      $("status").textContent = `${msg.label === msg.scene.controller ? "" : `${msg.label} · `}terrain ${msg.scene.terrain.kind}`;
      break;
    case "status":
      applySettings(msg.settings);
      break;
    case "ack":
      state.acks.push(msg.of);
      break;
    case "error":
      state.errors.push(`${msg.code}: ${msg.message}`);
      setMessage(msg.message);
      break;
    case "pong":
      break;
  }
}

function connect(): void {
  const url = new URL("ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    state.connected = true;
    $("conn").textContent = "connected";
    $("conn").className = "pill ok";
    send({ type: "hello", version: PROTOCOL_VERSION });
  };
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(ev.data) : onFrame(ev.data as ArrayBuffer));
  ws.onclose = () => {
    state.connected = false;
    $("conn").textContent = "disconnected (retrying)";
    $("conn").className = "pill bad";
    setTimeout(connect, 1000);
  };
}

function wireControls(): void {
  $("play").onclick = () => {
    if (state.mode === "live") send({ type: "pause", paused: playing });
    playing = !playing;
  };
  $("step").onclick = () => {
    if (history.length === 0) return;
    playing = false;
    if (state.mode === "live" && cursor >= history.length - 1) {
      // At the live edge: ask the server for one more control step (it pauses first).
      following = true;
      send({ type: "step" });
      return;
    }
    following = false;
    if (state.mode === "live") send({ type: "pause", paused: true });
    cursor = Math.min(history.length - 1, cursor + 1);
    dirty = true;
  };
  $("speed").onchange = () => {
    speed = Number(($("speed") as HTMLSelectElement).value);
    if (state.mode === "live") send({ type: "speed", speed });
  };
  $("timeline").oninput = () => {
    cursor = Number(($("timeline") as HTMLInputElement).value);
    following = state.mode === "live" && cursor >= history.length - 1;
    playClock = 0;
    dirty = true;
  };
  $("live").onclick = () => {
    following = true;
    cursor = Math.max(0, history.length - 1);
  };
  $("push").onclick = () => {
    const size = Number(($("pushSize") as HTMLInputElement).value) || 0;
    // Directions in the z-up simulation frame (x forward, y left).
    const dirs: Record<string, [number, number, number]> = { left: [0, 1, 0], right: [0, -1, 0], forward: [1, 0, 0], back: [-1, 0, 0] };
    const d = dirs[($("pushDir") as HTMLSelectElement).value] ?? dirs.left;
    send({ type: "push", impulse: [d[0] * size, d[1] * size, d[2] * size] });
  };
  $("obsNoise").onchange = () => send({ type: "noise", obs: ($("obsNoise") as HTMLInputElement).checked ? 0.1 : 0 });
  $("actNoise").onchange = () => send({ type: "noise", action: ($("actNoise") as HTMLInputElement).checked ? 0.2 : 0 });
  $("leg").onchange = () => {
    const v = ($("leg") as HTMLSelectElement).value;
    send({ type: "disableLeg", leg: v === "" ? null : Number(v) });
  };
  $("terrain").onchange = () => send({ type: "terrain", kind: ($("terrain") as HTMLSelectElement).value });
  $("reset").onclick = () => send({ type: "reset" });
  $("follow").onchange = () => (world.follow = ($("follow") as HTMLInputElement).checked);
  window.addEventListener("keydown", (e) => {
    if (e.key === " ") $("play").click();
    if (e.key === ".") $("step").click();
  });
}

let fpsWindowStart = performance.now();
let fpsCount = 0;
let lastTime = performance.now();
let panelsMsAcc = 0;
let sceneMsAcc = 0;

function tick(now: number): void {
  const dt = (now - lastTime) / 1000;
  lastTime = now;
  if (state.mode === "replay" && playing && history.length > 0 && scene) {
    playClock += dt * speed;
    const steps = Math.floor(playClock / scene.controlDt);
    if (steps > 0) {
      playClock -= steps * scene.controlDt;
      cursor = (cursor + steps) % history.length;
      dirty = true;
    }
  }
  if (dirty && history.length > 0) {
    cursor = Math.min(cursor, history.length - 1);
    const frame = history[cursor];
    const p0 = performance.now();
    world.update(frame, now);
    panels.draw(history, cursor);
    panelsMsAcc += performance.now() - p0;
    state.torsoVelocity = Array.from(frame.torsoVelocity);
    state.rasterSpikes = panels.rasterSpikes;
    const tl = $("timeline") as HTMLInputElement;
    tl.max = String(history.length - 1);
    tl.value = String(cursor);
    $("cursor").textContent = `${frame.step} · ${cursor + 1} / ${history.length}`;
    dirty = false;
  }
  const r0 = performance.now();
  world.render();
  state.pushArrowVisible = world.pushArrowVisible();
  state.contactMarkers = world.visibleContactMarkers();
  state.world = world.describe();
  sceneMsAcc += performance.now() - r0;
  state.renderedFrames++;
  fpsCount++;
  if (now - fpsWindowStart >= 1000) {
    state.fps = (fpsCount * 1000) / (now - fpsWindowStart);
    fpsCount = 0;
    fpsWindowStart = now;
    state.panelsMs = panelsMsAcc;
    state.sceneMs = sceneMsAcc;
    panelsMsAcc = 0;
    sceneMsAcc = 0;
    $("fps").textContent = `${state.fps.toFixed(0)} fps (${world.quality})`;
  }
  state.cursor = cursor;
  state.historyLength = history.length;
  requestAnimationFrame(tick);
}

declare global {
  interface Window {
    __spikeloco: { state: ViewerState; send(msg: ControlMessage): void };
  }
}
window.__spikeloco = { state, send };
wireControls();
connect();
requestAnimationFrame(tick);
