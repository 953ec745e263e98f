/** Viewer entry: connection, frame history, playback (live and replay), HUD, keyboard, export. */
import { allocFrame, cloneFrame, decodeFrame, frameLayout, sameLayout, type FrameLayout } from "../../src/serve/wire/codec.ts";
import type { ControlMessage } from "../../src/serve/wire/controls.ts";
import {
  END_REASONS,
  FRAME_FLAG_DONE,
  FRAME_FLAG_PUSH,
  FRAME_FLAG_RESET,
  MESSAGE_KIND_FRAME,
  MESSAGE_KIND_SCENE,
  PROTOCOL_VERSION,
  type Frame,
  type LiveSettings,
  type SceneDescription,
  type ServerMessage,
} from "../../src/serve/wire/protocol.ts";
import { parseRecordingBody } from "../../src/serve/wire/recording-format.ts";
import { decodeScene } from "../../src/serve/wire/scene-codec.ts";
import { fitCanvas, fmt } from "./canvas.ts";
import { blobToBase64, download, Exporter } from "./export.ts";
import { History, MARKER_COLORS } from "./history.ts";
import { WebmWriter } from "./webm.ts";
import { Panels } from "./panels.ts";
import { CAMERA_PRESETS, World, type CameraPreset, type WorldInfo } from "./world.ts";

const LIVE_HISTORY = 3000;
/** The end-of-episode banner stays for this many frames after the episode's last frame (2 s at 20 Hz). */
const BANNER_FRAMES = 40;

interface ViewerState {
  connected: boolean;
  mode: "live" | "replay" | null;
  framesReceived: number;
  bytesReceived: number;
  sceneMessages: number;
  renderedFrames: number;
  fps: number;
  cursor: number;
  historyLength: number;
  playing: boolean;
  following: boolean;
  episode: number;
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
  banner: string | null;
  pausedBadge: string | null;
  helpOpen: boolean;
  file: string | null;
  /** The 3D scene after the last render. */
  world: WorldInfo | null;
  exportResult: { status: "running" | "done" | "error"; mime?: string; data?: string; seconds?: number; error?: string } | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** Set text only when it changes (every DOM write costs a repaint on a software compositor). */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
const params = new URLSearchParams(location.search);
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const qualityParam = params.get("quality");
const exportMode = params.get("export");
const world = new World($("canvas3d"), qualityParam === "low" || qualityParam === "high" ? qualityParam : "auto");
let dirty = true;
const panels = new Panels(() => (dirty = true));
const history = new History(LIVE_HISTORY);
const state: ViewerState = {
  connected: false, mode: null, framesReceived: 0, bytesReceived: 0, sceneMessages: 0, renderedFrames: 0, fps: 0, cursor: 0,
  historyLength: 0, playing: true, following: true, episode: 0, torsoVelocity: [0, 0, 0], rasterSpikes: 0, errors: [], acks: [], settings: null,
  pushes: [], panelsMs: 0, sceneMs: 0, pushArrowVisible: false, contactMarkers: 0, banner: null, pausedBadge: null, helpOpen: false, file: null,
  world: null, exportResult: null,
};
let scene: SceneDescription | null = null;
let layout: FrameLayout | null = null;
/** True between a hello and its scene: that scene starts a new session (else it is a terrain switch). */
let awaitingSessionScene = true;
let conditions: unknown = null;
let cursor = 0;
let following = true;
let playing = true;
let loop = false;
let speed = 1;
let playClock = 0;
let ws: WebSocket | null = null;
let nextId = 1;
let marksDirty = true;
let exportingFrames = false;

const exporter = new Exporter(
  $("canvas3d"),
  () =>
    [...document.querySelectorAll<HTMLElement>("#panels .panel")]
      .map((sec) => ({ title: sec.querySelector("h3")?.textContent?.trim() ?? "", canvas: sec.querySelector("canvas") as HTMLCanvasElement }))
      .filter((p) => p.canvas && !(p.canvas.id === "membrane" && panels.raster.selected === null)),
  () => ({ hud: hudLines(), banner: state.banner, caption: `${scene?.envId ?? ""} · ${scene?.controller ?? ""}${state.file ? ` · ${state.file}` : ""}` }),
);

function send(msg: ControlMessage): void {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...msg, id: msg.id ?? nextId++ }));
}

let messageTimer = 0;
function setMessage(text: string, ms = 6000): void {
  $("message").textContent = text;
  clearTimeout(messageTimer);
  if (text) messageTimer = window.setTimeout(() => ($("message").textContent = ""), ms);
}

// ------------------------------------------------------------------ session

function applyHello(msg: Extract<ServerMessage, { type: "hello" }>): void {
  state.mode = msg.mode;
  state.file = msg.file;
  state.episode = msg.episode;
  conditions = msg.conditions;
  awaitingSessionScene = true;
  following = msg.mode === "live";
  playing = true;
  $("mode").textContent = msg.mode === "live" ? "live simulation" : "replay";
  $("source").textContent = msg.mode === "replay" ? `file ${msg.file ?? "?"}${msg.frameCount !== null ? ` · ${msg.frameCount} frames` : ""}` : "";
  showConditions(msg.conditions);
  ($("perturb") as HTMLFieldSetElement).disabled = msg.mode !== "live";
  $("perturbNote").textContent = msg.mode === "live" ? "live controls" : "live controls (not available in a replay)";
  ($("live") as HTMLButtonElement).disabled = msg.mode !== "live";
  $("loopLabel").hidden = msg.mode !== "replay";
  if (msg.settings) applySettings(msg.settings);
}

function showConditions(c: unknown): void {
  const el = $("conditions");
  const text = c && typeof c === "object" && Object.keys(c).length > 0 ? JSON.stringify(c) : "";
  el.textContent = text ? `conditions ${text}` : "";
  el.title = text;
}

function applyScene(next: SceneDescription): void {
  state.sceneMessages++;
  const nextLayout = frameLayout(next);
  if (!awaitingSessionScene && scene && layout && sameLayout(layout, nextLayout) && next.envId === scene.envId) {
    // Same robot, new terrain: keep the history, mark the switch.
    scene = next;
    history.setScene(next);
    world.setTerrain(next.terrain);
    marksDirty = true;
    dirty = true;
    return;
  }
  awaitingSessionScene = false;
  scene = next;
  layout = nextLayout;
  history.clear(next);
  cursor = 0;
  world.setScene(next);
  panels.setScene(next);
  $("controller").textContent = `${next.envId} · ${next.controller}`;
  $("controller").title = next.controller;
  $("untrained").hidden = !next.untrained;
  const leg = $("leg") as HTMLSelectElement;
  leg.replaceChildren(new Option("none", ""));
  next.legs.forEach((l, i) => leg.add(new Option(`${i} ${l.name}`, String(i))));
  const terrain = $("terrain") as HTMLSelectElement;
  terrain.replaceChildren(...next.terrainKinds.map((k) => new Option(k, k)));
  terrain.value = next.terrain.kind;
  if (state.settings) applySettings(state.settings);
  if (state.mode === "replay") {
    const disabled = (conditions as { disabledLegs?: number[] } | null)?.disabledLegs;
    applyDisabledLeg(disabled?.[0] ?? null);
    void loadRecording();
  }
  marksDirty = true;
  dirty = true;
}

function applyDisabledLeg(leg: number | null): void {
  world.setDisabledLeg(leg);
  panels.setDisabledLeg(leg);
  dirty = true;
}

function applySettings(s: LiveSettings): void {
  state.settings = s;
  ($("obsNoise") as HTMLInputElement).checked = s.obsNoise > 0;
  ($("actNoise") as HTMLInputElement).checked = s.actionNoise > 0;
  ($("leg") as HTMLSelectElement).value = s.disabledLeg === null ? "" : String(s.disabledLeg);
  ($("terrain") as HTMLSelectElement).value = s.terrain;
  ($("speed") as HTMLSelectElement).value = String(s.speed);
  applyDisabledLeg(s.disabledLeg);
  if (state.mode === "live") playing = !s.paused;
}

async function loadRecording(): Promise<void> {
  const res = await fetch(`api/recording?t=${Date.now()}`, { headers: token ? { "x-spikeloco-token": token } : {} });
  if (!res.ok) {
    setMessage(`cannot load the recording: HTTP ${res.status}`, 60_000);
    return;
  }
  let rec;
  try {
    rec = parseRecordingBody(new Uint8Array(await res.arrayBuffer()), state.file ?? "recording");
  } catch (err) {
    setMessage((err as Error).message, 60_000);
    return;
  }
  history.clear(rec.scene);
  for (const f of rec.frames) history.push(f);
  cursor = 0;
  playClock = 0;
  playing = exportMode === null;
  state.framesReceived = rec.frames.length;
  marksDirty = true;
  dirty = true;
  if (exportMode) void runExport();
}

function onFrame(data: ArrayBuffer): void {
  if (!layout) return;
  state.bytesReceived += data.byteLength;
  const frame = cloneFrame(decodeFrame(new Uint8Array(data), layout, allocFrame(layout)));
  state.framesReceived++;
  const prev = history.frames[history.length - 1];
  if (frame.flags & FRAME_FLAG_PUSH && prev && (frame.push[0] !== 0 || frame.push[1] !== 0 || frame.push[2] !== 0)) {
    state.pushes.push({ step: frame.step, impulse: Array.from(frame.push), before: Array.from(prev.torsoVelocity), after: Array.from(frame.torsoVelocity) });
    if (state.pushes.length > 100) state.pushes.shift();
  }
  const dropped = history.push(frame);
  if (dropped > 0) cursor = Math.max(0, cursor - dropped);
  if (following) cursor = history.length - 1;
  if (frame.flags & (FRAME_FLAG_DONE | FRAME_FLAG_RESET | FRAME_FLAG_PUSH)) marksDirty = true;
  dirty = true;
}

function onText(text: string): void {
  const msg = JSON.parse(text) as ServerMessage;
  switch (msg.type) {
    case "hello":
      applyHello(msg);
      break;
    case "status":
      applySettings(msg.settings);
      state.episode = msg.episode;
      break;
    case "ack":
      state.acks.push(msg.of);
      if (state.acks.length > 200) state.acks.shift();
      break;
    case "error":
      state.errors.push(`${msg.code}: ${msg.message}`);
      if (state.errors.length > 200) state.errors.shift();
      setMessage(msg.message);
      break;
    case "pong":
      break;
  }
}

function onBinary(data: ArrayBuffer): void {
  const kind = new Uint8Array(data, 0, 1)[0];
  if (kind === MESSAGE_KIND_FRAME) onFrame(data);
  else if (kind === MESSAGE_KIND_SCENE) applyScene(decodeScene(new Uint8Array(data)));
}

function connect(): void {
  const url = new URL("ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.hash = "";
  if (token) url.searchParams.set("token", token);
  ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  let opened = false;
  ws.onopen = () => {
    opened = true;
    state.connected = true;
    $("conn").textContent = "connected";
    $("conn").className = "pill ok";
    send({ type: "hello", version: PROTOCOL_VERSION });
  };
  ws.onmessage = (ev) => {
    try {
      if (typeof ev.data === "string") onText(ev.data);
      else onBinary(ev.data as ArrayBuffer);
    } catch (err) {
      setMessage(`stream: ${(err as Error).message}`, 60_000);
    }
  };
  ws.onclose = () => {
    state.connected = false;
    $("conn").textContent = opened ? "disconnected (retrying)" : "refused (token? too many viewers?) · retrying";
    $("conn").className = "pill bad";
    setTimeout(connect, opened ? 1000 : 3000);
  };
}

// ------------------------------------------------------------------ playback and controls

function togglePlay(): void {
  if (state.mode === "live") {
    send({ type: "pause", paused: playing });
    playing = !playing;
    return;
  }
  if (!playing && cursor >= history.length - 1) cursor = 0; // at the end: play again from the start
  playing = !playing;
  playClock = 0;
  dirty = true;
}

function stepBy(n: number): void {
  if (history.length === 0) return;
  if (state.mode === "live" && n > 0 && cursor >= history.length - 1) {
    // At the live edge: ask the server for one more control step (it pauses first).
    following = true;
    playing = false;
    send({ type: "step" });
    return;
  }
  if (state.mode === "live" && playing) send({ type: "pause", paused: true });
  playing = false;
  following = false;
  cursor = Math.min(history.length - 1, Math.max(0, cursor + n));
  dirty = true;
}

function goLive(): void {
  following = state.mode === "live";
  cursor = Math.max(0, history.length - 1);
  dirty = true;
}

function push(): void {
  const size = Number(($("pushSize") as HTMLInputElement).value) || 0;
  // Directions in the z-up simulation frame (x forward, y left).
  const left: [number, number, number] = [0, 1, 0];
  const dirs: Record<string, [number, number, number]> = { left, right: [0, -1, 0], forward: [1, 0, 0], back: [-1, 0, 0] };
  const d = dirs[($("pushDir") as HTMLSelectElement).value] ?? left;
  send({ type: "push", impulse: [d[0] * size, d[1] * size, d[2] * size] });
}

function setPreset(p: CameraPreset): void {
  world.setPreset(p);
  for (const b of document.querySelectorAll<HTMLButtonElement>("#cameraBar button")) b.classList.toggle("active", b.dataset.preset === p);
}

function setHelp(open: boolean): void {
  $("help").hidden = !open;
  state.helpOpen = open;
  if (open) $("helpClose").focus();
}

function drawPanelsNow(): void {
  if (history.length > 0) panels.draw(history, history.view(cursor, following && state.mode === "live"));
}

/** A PNG of the composite, with every panel drawn (also those scrolled out of view). */
async function compositePng(width: number, height: number): Promise<Blob> {
  panels.allVisible = true;
  drawPanelsNow();
  try {
    return await exporter.png(width, height);
  } finally {
    panels.allVisible = false;
  }
}

async function screenshot(): Promise<void> {
  const blob = await compositePng(1600, 900);
  download(blob, `spikeloco-${new Date().toISOString().replace(/[:.]/g, "-")}.png`);
}

async function toggleVideo(): Promise<void> {
  const button = $("rec");
  if (!exporter.recording) {
    panels.allVisible = true;
    exporter.startVideo(1280, 720);
    button.classList.add("recording");
    button.textContent = "■ stop";
    return;
  }
  const { blob } = await exporter.stopVideo();
  panels.allVisible = false;
  button.classList.remove("recording");
  button.textContent = "● WebM";
  download(blob, `spikeloco-${new Date().toISOString().replace(/[:.]/g, "-")}.webm`);
}

/** Typing in these never triggers a shortcut. */
function isTextEntry(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !["checkbox", "radio", "range", "button", "submit", "reset", "color", "file"].includes(t.type);
}

function onKey(e: KeyboardEvent): void {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  if (isTextEntry(e.target)) return;
  // A focused button, checkbox or slider keeps Space and Enter (and a slider its arrows) for itself.
  const t = e.target;
  const control = t instanceof HTMLButtonElement || (t instanceof HTMLInputElement && ["checkbox", "radio", "range"].includes(t.type));
  if (control && (e.key === " " || e.key === "Enter" || (t instanceof HTMLInputElement && t.type === "range" && e.key.startsWith("Arrow")))) return;
  if (state.helpOpen) {
    if (e.key === "Escape" || e.key === "?") {
      setHelp(false);
      e.preventDefault();
    }
    return;
  }
  const actions: Record<string, () => void> = {
    " ": togglePlay,
    ".": () => stepBy(1),
    ",": () => stepBy(-1),
    "?": () => setHelp(true),
    Home: () => {
      following = false;
      cursor = 0;
      dirty = true;
    },
    End: goLive,
    "1": () => setPreset("track"),
    "2": () => setPreset("side"),
    "3": () => setPreset("top"),
    "4": () => setPreset("free"),
    l: () => ($("legLabels") as HTMLInputElement).click(),
    f: () => ($("forces") as HTMLInputElement).click(),
    t: () => ($("trail") as HTMLInputElement).click(),
    p: () => state.mode === "live" && push(),
    s: () => void screenshot(),
    v: () => void toggleVideo(),
  };
  const act = actions[e.key];
  if (!act) return;
  e.preventDefault();
  act();
}

function wireControls(): void {
  $("play").onclick = togglePlay;
  $("step").onclick = () => stepBy(1);
  $("stepBack").onclick = () => stepBy(-1);
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
  $("live").onclick = goLive;
  $("loop").onchange = () => (loop = ($("loop") as HTMLInputElement).checked);
  $("push").onclick = push;
  $("obsNoise").onchange = () => send({ type: "noise", obs: ($("obsNoise") as HTMLInputElement).checked ? 0.1 : 0 });
  $("actNoise").onchange = () => send({ type: "noise", action: ($("actNoise") as HTMLInputElement).checked ? 0.2 : 0 });
  $("leg").onchange = () => {
    const v = ($("leg") as HTMLSelectElement).value;
    send({ type: "disableLeg", leg: v === "" ? null : Number(v) });
  };
  $("terrain").onchange = () => send({ type: "terrain", kind: ($("terrain") as HTMLSelectElement).value });
  $("reset").onclick = () => send({ type: "reset" });
  for (const b of document.querySelectorAll<HTMLButtonElement>("#cameraBar button")) b.onclick = () => setPreset(b.dataset.preset as CameraPreset);
  $("legLabels").onchange = () => {
    world.showLegLabels = ($("legLabels") as HTMLInputElement).checked;
    dirty = true;
  };
  $("forces").onchange = () => {
    world.showForces = ($("forces") as HTMLInputElement).checked;
    dirty = true;
  };
  $("trail").onchange = () => {
    world.showTrail = ($("trail") as HTMLInputElement).checked;
    dirty = true;
  };
  $("helpButton").onclick = () => setHelp(true);
  $("helpClose").onclick = () => setHelp(false);
  $("help").onclick = (e) => {
    if (e.target === $("help")) setHelp(false);
  };
  $("shot").onclick = () => void screenshot();
  $("rec").onclick = () => void toggleVideo();
  // A mouse click leaves no focus on a button, so Space then means play/pause rather than "press it again".
  for (const b of document.querySelectorAll("button")) b.addEventListener("pointerup", () => b.blur());
  window.addEventListener("keydown", onKey);
  window.addEventListener("resize", () => {
    panels.resize();
    marksDirty = true;
    dirty = true;
  });
  // devicePixelRatio changes (zoom, moving to another screen) re-fit the canvases.
  const watchDpr = () => {
    matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener(
      "change",
      () => {
        panels.resize();
        marksDirty = true;
        dirty = true;
        watchDpr();
      },
      { once: true },
    );
  };
  watchDpr();
  setPreset("track");
}

// ------------------------------------------------------------------ HUD

function hudLines(): string[] {
  const f = history.frames[cursor];
  if (!f || !scene) return [];
  const v = f.torsoVelocity;
  const limit = scene.maxSteps ? ` / ${(scene.maxSteps * scene.controlDt).toFixed(0)} s` : "";
  return [
    `episode ${f.episode} · step ${f.step}`,
    `t ${f.time.toFixed(2)} s${limit}`,
    `return ${fmt(f.episodeReturn, 4)} (r ${fmt(f.reward)})`,
    `speed ${Math.hypot(v[0]!, v[1]!, v[2]!).toFixed(2)} m/s · fwd ${v[0]!.toFixed(2)} · x ${f.poses[0]!.toFixed(2)} m`,
  ];
}

/** The banner for the frame at the cursor: an episode that ended (or was restarted) within the last 2 s. */
function bannerAt(i: number): { text: string; neutral: boolean } | null {
  const frames = history.frames;
  for (let k = i; k >= 0 && i - k <= BANNER_FRAMES; k--) {
    const f = frames[k]!;
    if (f.flags & FRAME_FLAG_DONE) {
      return { text: `Episode ${f.episode} ended at ${f.time.toFixed(2)} s: ${END_REASONS[f.endReason] || "done"} · return ${fmt(f.episodeReturn, 4)}`, neutral: false };
    }
    if (f.flags & FRAME_FLAG_RESET && k > 0 && !(frames[k - 1]!.flags & FRAME_FLAG_DONE) && frames[k - 1]!.episode !== f.episode) {
      const p = frames[k - 1]!;
      return { text: `Episode ${p.episode} restarted at ${p.time.toFixed(2)} s (reset or terrain switch) · return ${fmt(p.episodeReturn, 4)}`, neutral: true };
    }
  }
  return null;
}

function pausedBadge(): string | null {
  if (state.mode === "live") {
    if (state.settings?.paused) return "⏸ PAUSED";
    if (!following) return "◀ HISTORY · End = live";
    return null;
  }
  if (state.mode === "replay" && !playing) {
    if (history.length > 0 && cursor >= history.length - 1) return "■ END OF RECORDING · Space = play again";
    return "⏸ PAUSED";
  }
  return null;
}

function drawHud(): void {
  const lines = hudLines();
  ["hudEpisode", "hudTime", "hudReturn", "hudSpeed"].forEach((id, k) => setText($(id), lines[k] ?? ""));
  const b = bannerAt(cursor);
  state.banner = b?.text ?? null;
  const banner = $("banner");
  if (banner.hidden !== (b === null)) banner.hidden = b === null;
  setText(banner, b?.text ?? "");
  banner.classList.toggle("neutral", b?.neutral ?? false);
  const badge = pausedBadge();
  state.pausedBadge = badge;
  if ($("pausedBadge").hidden !== (badge === null)) $("pausedBadge").hidden = badge === null;
  setText($("pausedBadge"), badge ?? "");
  setText($("play"), playing && !(state.mode === "live" && state.settings?.paused) ? "pause" : "play");
  const f = history.frames[cursor];
  const tl = $("timeline") as HTMLInputElement;
  if (tl.max !== String(Math.max(0, history.length - 1))) tl.max = String(Math.max(0, history.length - 1));
  if (tl.value !== String(cursor)) tl.value = String(cursor);
  if (f) {
    const total = state.mode === "replay" && history.length > 0 ? ` / ${(history.length * (scene?.controlDt ?? 0.05)).toFixed(1)} s` : "";
    const clock = state.mode === "replay" ? `${(cursor * (scene?.controlDt ?? 0.05)).toFixed(2)} s${total} · ` : "";
    setText($("cursor"), `${clock}ep ${f.episode} t ${f.time.toFixed(2)} s · frame ${cursor + 1}/${history.length}`);
  }
}

function drawTimelineMarks(): void {
  const canvas = $("timelineMarks") as HTMLCanvasElement;
  const c = fitCanvas(canvas, canvas.parentElement?.clientWidth ?? 300, 6);
  c.ctx.clearRect(0, 0, c.width, c.height);
  const n = history.length;
  if (n < 2) return;
  // The range input's thumb travels between these insets.
  const inset = 8;
  const x = (i: number) => inset + (i / (n - 1)) * (c.width - 2 * inset);
  for (const m of history.markers(0, n - 1)) {
    if (m.kind === "push") continue;
    c.ctx.fillStyle = MARKER_COLORS[m.kind];
    c.ctx.fillRect(Math.round(x(m.index)) - 1, 0, 2, 6);
  }
}

// ------------------------------------------------------------------ export (button and `watch --export`)

/** Show frame i everywhere, now (exports draw frame by frame). */
function renderFrameNow(i: number, dtSeconds: number): void {
  cursor = i;
  following = false;
  world.setTerrain(history.sceneAt(i).terrain);
  world.update(history.frames, i);
  drawPanelsNow();
  drawHud();
  world.render(dtSeconds);
  dirty = false;
}

/**
 * The whole recording, frame by frame, encoded with WebCodecs (VP8) into WebM: one video frame per
 * control step at its exact time, however slowly the frames render (MediaRecorder would record wall time).
 */
async function exportVideoOffline(w: number, h: number): Promise<{ blob: Blob; seconds: number }> {
  const dt = scene?.controlDt ?? 0.05;
  const writer = new WebmWriter(w, h);
  let failure: unknown = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      writer.add(data, chunk.timestamp, chunk.type === "key");
    },
    error: (e) => (failure = e),
  });
  encoder.configure({ codec: "vp8", width: w, height: h, bitrate: 3_000_000, framerate: Math.round(1 / dt) });
  const keyEvery = Math.max(1, Math.round(2 / dt));
  panels.allVisible = true;
  exportingFrames = true;
  try {
    for (let i = 0; i < history.length; i++) {
      renderFrameNow(i, dt);
      const frame = new VideoFrame(exporter.compose(w, h), { timestamp: Math.round(i * dt * 1e6), duration: Math.round(dt * 1e6) });
      encoder.encode(frame, { keyFrame: i % keyEvery === 0 });
      frame.close();
      if (failure) throw failure;
      while (encoder.encodeQueueSize > 2) await new Promise((r) => setTimeout(r, 5));
    }
    await encoder.flush();
    if (failure) throw failure;
  } finally {
    exportingFrames = false;
    panels.allVisible = false;
    encoder.close();
  }
  const seconds = history.length * dt;
  return { blob: writer.finish(seconds * 1000), seconds };
}

/** The same in real time through MediaRecorder (browsers without WebCodecs). */
async function exportVideoRealtime(w: number, h: number): Promise<{ blob: Blob; seconds: number }> {
  cursor = 0;
  dirty = true;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  panels.allVisible = true;
  exporter.startVideo(w, h);
  loop = false;
  playing = true;
  playClock = 0;
  while (playing) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300)); // hold the last frame a moment
  const out = await exporter.stopVideo();
  panels.allVisible = false;
  return out;
}

async function runExport(): Promise<void> {
  const w = Number(params.get("width")) || 1280;
  const h = Number(params.get("height")) || 720;
  state.exportResult = { status: "running" };
  try {
    // Let the first frames render (textures, shadows) before capturing.
    await new Promise((r) => setTimeout(r, 500));
    if (exportMode === "png") {
      exportingFrames = true;
      renderFrameNow(history.length - 1, 1);
      const blob = await compositePng(w, h);
      exportingFrames = false;
      state.exportResult = { status: "done", mime: "image/png", data: await blobToBase64(blob) };
      return;
    }
    const { blob, seconds } = typeof VideoEncoder === "function" ? await exportVideoOffline(w, h) : await exportVideoRealtime(w, h);
    state.exportResult = { status: "done", mime: blob.type, data: await blobToBase64(blob), seconds };
  } catch (err) {
    state.exportResult = { status: "error", error: (err as Error).message };
  }
}

// ------------------------------------------------------------------ render loop

let fpsWindowStart = performance.now();
let fpsCount = 0;
let lastTime = performance.now();
let panelsMsAcc = 0;
let sceneMsAcc = 0;
let marksAt = 0;
let panelsAt = 0;
let panelsPending = false;
const PANEL_INTERVAL_MS = 100;

function tick(now: number): void {
  if (exportingFrames) {
    // A frame-by-frame export draws on its own; rendering here too would only slow it down.
    requestAnimationFrame(tick);
    return;
  }
  const dt = (now - lastTime) / 1000;
  lastTime = now;
  if (state.mode === "replay" && playing && history.length > 0 && scene) {
    playClock += dt * speed;
    const steps = Math.floor(playClock / scene.controlDt);
    if (steps > 0) {
      playClock -= steps * scene.controlDt;
      if (cursor + steps >= history.length - 1) {
        if (loop && cursor < history.length - 1) cursor = history.length - 1;
        else if (loop) {
          cursor = 0;
          setMessage("↻ loop: back to the start of the recording", 2000);
        } else {
          cursor = history.length - 1;
          playing = false;
        }
      } else cursor += steps;
      dirty = true;
    }
  }
  if (dirty && history.length > 0) {
    cursor = Math.min(cursor, history.length - 1);
    const p0 = performance.now();
    world.setTerrain(history.sceneAt(cursor).terrain);
    world.update(history.frames, cursor);
    // Panels at most every PANEL_INTERVAL_MS (their 2D canvases are the expensive part on a software compositor).
    if (now - panelsAt >= PANEL_INTERVAL_MS || !playing || exporter.recording) {
      panels.draw(history, history.view(cursor, following && state.mode === "live"));
      panelsAt = now;
    } else panelsPending = true;
    drawHud();
    panelsMsAcc += performance.now() - p0;
    state.torsoVelocity = Array.from(history.frames[cursor]!.torsoVelocity);
    state.rasterSpikes = panels.rasterSpikes;
    dirty = false;
  } else if (panelsPending && now - panelsAt >= PANEL_INTERVAL_MS && history.length > 0) {
    panels.draw(history, history.view(cursor, following && state.mode === "live"));
    panelsAt = now;
    panelsPending = false;
  }
  if (marksDirty && now - marksAt > 250) {
    drawTimelineMarks();
    marksDirty = false;
    marksAt = now;
  }
  const r0 = performance.now();
  world.render();
  exporter.frame(exporter.out.width || 1280, exporter.out.height || 720);
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
    setText($("fps"), `${state.fps.toFixed(state.fps < 10 ? 1 : 0)} fps (${world.quality})`);
  }
  state.cursor = cursor;
  state.historyLength = history.length;
  state.playing = playing;
  state.following = following;
  if (history.frames[cursor]) state.episode = history.frames[cursor]!.episode;
  requestAnimationFrame(tick);
}

declare global {
  interface Window {
    __spikeloco: { state: ViewerState; send(msg: ControlMessage): void; presets: readonly string[]; debug: { world: World; panels: Panels; exporter: Exporter } };
  }
}
// The 3D summary is computed when read (tests, benches), not on every frame.
Object.defineProperty(state, "world", { enumerable: true, get: () => world.describe() });
Object.defineProperty(state, "pushArrowVisible", { enumerable: true, get: () => world.describe().pushArrow });
Object.defineProperty(state, "contactMarkers", { enumerable: true, get: () => world.describe().contactMarkers });
window.__spikeloco = { state, send, presets: CAMERA_PRESETS, debug: { world, panels, exporter } };
wireControls();
connect();
requestAnimationFrame(tick);
