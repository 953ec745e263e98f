/** The side panels, drawn from the frame history around the time cursor (in sync with the 3D view). */
import type { Frame, SceneDescription } from "../../src/serve/wire/protocol.ts";
import { fmt } from "./canvas.ts";
import { HeatMap } from "./heat.ts";
import type { History, View } from "./history.ts";
import { GaitPlot, LinePlot, Raster, StripPlot, type TimeCanvas } from "./plots.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const RATE_SMOOTH = 5;

export class Panels {
  private scene: SceneDescription | null = null;
  private readonly speed: LinePlot;
  private readonly terms: LinePlot;
  readonly raster: Raster;
  private readonly rate: LinePlot;
  private readonly membrane: LinePlot;
  private readonly modulator: LinePlot;
  readonly heat: HeatMap;
  private readonly actions: StripPlot;
  private readonly angles: StripPlot;
  private readonly torques: StripPlot;
  private readonly gait: GaitPlot;
  private disabledLeg: number | null = null;
  /** Draw every panel, scrolled into view or not (exports and screenshots). */
  allVisible = false;
  /** Frames currently drawn (for the smoothed population rate). */
  private frames: readonly Frame[] = [];
  private frameIndex = new WeakMap<Frame, number>();

  /** Panel sections scrolled into view; the others are not drawn. */
  private readonly visible = new Set<Element>();

  constructor(private readonly redraw: () => void) {
    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) this.visible.add(e.target);
        else this.visible.delete(e.target);
      }
      this.redraw();
    });
    for (const sec of document.querySelectorAll("#panels .panel")) observer.observe(sec);
    const r = redraw;
    this.speed = new LinePlot($("speedPlot"), { series: [{ name: "forward vx" }, { name: "|v|", color: "#8a96a6" }], unit: "m/s", get: speedOf, legend: $("speedLegend"), height: 78 }, r);
    this.terms = new LinePlot($("terms"), { series: [], unit: "", get: () => 0, legend: $("termLegend"), height: 100 }, r);
    this.raster = new Raster($("raster"), 64, r, (k) => this.selectNeuron(k));
    this.rate = new LinePlot($("rate"), { series: [{ name: "population rate", color: "#fff0c8" }], unit: "Hz", get: (f) => this.rateAt(f), legend: $("rateLegend"), height: 58 }, r);
    this.membrane = new LinePlot($("membrane"), { series: [], unit: "", get: () => NaN, legend: $("membraneLegend"), height: 78 }, r);
    this.modulator = new LinePlot($("modulator"), { series: [], unit: "", get: () => 0, legend: $("modLegend"), height: 64 }, r);
    this.heat = new HeatMap($("heat"), r);
    this.actions = new StripPlot($("actions"), { rows: [], unit: "", get: () => 0, range: () => [-1, 1] }, r);
    this.angles = new StripPlot($("angles"), { rows: [], unit: "rad", get: () => 0, range: () => [-1, 1] }, r);
    this.torques = new StripPlot($("torques"), { rows: [], unit: "N·m", get: () => 0, range: () => [-1, 1] }, r);
    this.gait = new GaitPlot($("gait"), [], r);
    const scaleSelect = $<HTMLSelectElement>("heatScale");
    const fixed = $<HTMLInputElement>("heatFixed");
    const applyScale = () => {
      const v = Number(fixed.value);
      fixed.disabled = scaleSelect.value !== "fixed";
      this.heat.scale = scaleSelect.value === "fixed" && v > 0 ? { kind: "fixed", value: v } : { kind: "auto" };
      this.redraw();
    };
    scaleSelect.onchange = applyScale;
    fixed.oninput = applyScale;
  }

  private get plots(): TimeCanvas[] {
    return [this.speed, this.terms, this.raster, this.rate, this.membrane, this.modulator, this.actions, this.angles, this.torques, this.gait];
  }

  setScene(scene: SceneDescription): void {
    this.scene = scene;
    const jointRows = scene.joints.map((j) => j.name);
    this.terms.setOptions({ series: scene.terms.map((name) => ({ name })), unit: "", get: (f, k) => f.terms[k]!, legend: $("termLegend"), height: 100 });
    this.raster.setNeurons(scene.nHidden);
    this.modulator.setOptions({ series: Array.from({ length: scene.nModulators }, (_, k) => ({ name: scene.nModulators > 1 ? `M${k}` : "M", color: "#f0c040" })), unit: "", get: (f, k) => f.modulators[k]!, legend: $("modLegend"), height: 64, range: { kind: "fixed", lo: -1, hi: 1 } });
    this.actions.setOptions({ rows: scene.actions, unit: "", get: (f, j) => f.actions[j]!, range: () => [-1, 1], dimmed: (j) => this.jointDisabled(j) });
    this.angles.setOptions({ rows: jointRows, unit: "rad", get: (f, j) => f.jointAngles[j]!, range: (j) => scene.joints[j]!.limits, dimmed: (j) => this.jointDisabled(j) });
    this.torques.setOptions({ rows: jointRows, unit: "N·m", get: (f, j) => f.torques[j]!, range: (j) => [-scene.joints[j]!.maxTorque, scene.joints[j]!.maxTorque], dimmed: (j) => this.jointDisabled(j) });
    this.gait.setFeet(scene.feet.map((f) => f.name));
    this.heat.setScene(scene);
    this.selectNeuron(this.raster.selected);
    $("rasterInfo").textContent = `${scene.nHidden} neurons (${scene.neuron.model}) · click a row`;
    $("heatInfo").textContent = scene.heatSource ? `${scene.heatSource.pre}×${scene.heatSource.post} ${scene.heatSource.projection} synapses in ${scene.heatRows}×${scene.heatCols} blocks` : "(controller is not plastic)";
  }

  setDisabledLeg(leg: number | null): void {
    this.disabledLeg = leg;
  }

  private jointDisabled(j: number): boolean {
    return this.disabledLeg !== null && this.scene?.joints[j]?.leg === this.disabledLeg;
  }

  private selectNeuron(k: number | null): void {
    const scene = this.scene;
    const info = $("membraneInfo");
    if (!scene || k === null) {
      this.membrane.setOptions({ series: [], unit: "", get: () => NaN, legend: $("membraneLegend"), height: 78 });
      info.textContent = "click a neuron in the raster";
    } else {
      const th = scene.neuron.threshold;
      this.membrane.setOptions({
        series: [{ name: `v neuron ${k}`, color: "#7fd0ff" }],
        unit: "",
        get: (f) => f.voltages[k]!,
        legend: $("membraneLegend"),
        height: 78,
        refs: th === null ? [] : [{ value: th, label: "threshold", color: "#e06060" }],
        marks: (f) => f.spikes[k] === 1,
      });
      info.textContent = `neuron ${k} (${scene.neuron.model}; bars at the top = its spikes; 8-bit resolution)`;
    }
    this.redraw();
  }

  /** Mean firing rate of the hidden layer (Hz), averaged over RATE_SMOOTH control steps. */
  private rateAt(f: Frame): number {
    const scene = this.scene;
    const i = this.frameIndex.get(f);
    if (!scene || i === undefined) return NaN;
    let spikes = 0;
    let n = 0;
    for (let k = Math.max(0, i - RATE_SMOOTH + 1); k <= i; k++) {
      const s = this.frames[k]!.spikes;
      for (let j = 0; j < s.length; j++) spikes += s[j]!;
      n++;
    }
    return spikes / (n * scene.nHidden * scene.controlDt);
  }

  resize(): void {
    for (const p of this.plots) p.resize();
    this.heat.resize();
  }

  draw(history: History, view: View): void {
    const scene = this.scene;
    const frames = history.frames;
    if (!scene || frames.length === 0) return;
    this.frames = frames;
    for (let i = Math.max(0, view.start - RATE_SMOOTH); i <= Math.min(frames.length - 1, view.end); i++) this.frameIndex.set(frames[i]!, i);
    const markers = history.markers(view.start, view.end);
    const shown = (el: HTMLElement) => this.allVisible || this.visible.has(el.closest(".panel")!);
    for (const p of this.plots) if (shown(p.canvas)) p.draw(frames, view, markers);
    if (shown($("heat"))) this.heat.draw(frames, view.cursor, history.episodeStart(view.cursor));
    const f = frames[view.cursor]!;
    $("returnNow").textContent = `r = ${fmt(f.reward)} · return ${fmt(f.episodeReturn, 4)}`;
  }

  get rasterSpikes(): number {
    return this.raster.drawn;
  }
}

function speedOf(f: Frame, k: number): number {
  const v = f.torsoVelocity;
  return k === 0 ? v[0]! : Math.hypot(v[0]!, v[1]!, v[2]!);
}
