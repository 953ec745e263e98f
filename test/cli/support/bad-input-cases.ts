/**
 * The bad-input corpus: ordinary mistakes a new user makes, each with the field or path its one-line
 * error must name. `buildFixtures` lays out the files the cases point at (valid and corrupt checkpoints,
 * condition and suite files, a locked run folder, a file where a folder is expected, ...) under `root`.
 */
import { availableParallelism, hostname } from "node:os";
import { mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAgent } from "../../../agents/index.ts";
import { LOCK_FILE } from "../../../src/core/lock.ts";
import { MANIFEST, saveCheckpoint } from "../../../src/policy/checkpoint.ts";
import { initParams } from "../../../src/snn/layout.ts";
import { LOCOMOTION_DEFAULTS } from "../../../src/train/config.ts";

export interface BadInputCase {
  /** Unique, readable: "train --population 5". */
  name: string;
  argv: string[];
  /** What the one stderr line must contain (the field or the path). */
  names: string;
}

export interface Fixtures {
  root: string;
  /** Working directory of every case (default outputs such as runs/... land here). */
  cwd: string;
  ant: string;
  hexapod: string;
  task: string;
  badConditionsRun: string;
  unknownEnvRun: string;
  locked: string;
  /** The live process that holds `locked`. */
  lockPid: number;
  corrupt: Record<string, string>;
  file: string;
  dir: string;
  emptyDir: string;
  conditions: Record<string, string>;
  suites: Record<string, string>;
  garbageRecording: string;
  badRobot: string;
}

const antDims = { obsDim: 27, actDim: 8 };

function locomotionRun(dir: string, env: "ant" | "hexapod", overrides: Record<string, unknown> = {}, generation = 3): void {
  const dims = env === "ant" ? antDims : { obsDim: 11 + 2 * 18 + 6, actDim: 18 };
  const spec = loadAgent("nm-hebb", dims);
  saveCheckpoint(dir, {
    spec,
    params: initParams(spec, 1),
    config: {
      kind: "locomotion",
      env,
      agent: "nm-hebb",
      algo: "es",
      popSize: 2,
      sigma: 0.04,
      lr: 0.02,
      weightDecay: 0,
      episodesPerMember: 1,
      maxSteps: 10,
      normalizerClip: LOCOMOTION_DEFAULTS.normalizerClip,
      evalCenterEvery: 0,
      conditions: {},
      envOptions: { clockHz: 0 },
      ...overrides,
    },
    normalizer: null,
    seed: 7,
    training: { generation },
  });
}

function blobOf(dir: string): string {
  return join(dir, readdirSync(dir).find((f) => f.endsWith(".bin"))!);
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const path = join(dir, MANIFEST);
  const m = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

export function buildFixtures(root: string): Fixtures {
  const cwd = join(root, "cwd");
  mkdirSync(cwd, { recursive: true });
  const ant = join(root, "runs", "ant");
  const hexapod = join(root, "runs", "hexapod");
  locomotionRun(ant, "ant");
  locomotionRun(hexapod, "hexapod");

  // a task run: the spec sized for cue-association's 8 inputs and 4 outputs
  const task = join(root, "runs", "task");
  const tspec = loadAgent("nm-hebb", { obsDim: 8, actDim: 4 });
  saveCheckpoint(task, {
    spec: tspec,
    params: initParams(tspec, 1),
    config: { kind: "task", task: "cue-association", taskOptions: {}, agent: "nm-hebb", hidden: 64, batch: 2, lr: 0.01, clipNorm: 1, evalEvery: 25, evalBatch: 8 },
    normalizer: null,
    seed: 1,
    training: { generation: 2 },
  });

  // runs written by an older build: conditions the robot cannot have, an env that is gone
  const badConditionsRun = join(root, "runs", "bad-conditions");
  locomotionRun(badConditionsRun, "ant", { conditions: { disabledLegs: [7] } });
  const unknownEnvRun = join(root, "runs", "unknown-env");
  locomotionRun(unknownEnvRun, "ant", { env: "dog" });

  // a folder held by a live process (this test's parent), on this host
  const locked = join(root, "runs", "locked");
  mkdirSync(locked, { recursive: true });
  const lockPid = process.pid; // the process building the fixtures (the test) outlives the runner
  writeFileSync(join(locked, LOCK_FILE), JSON.stringify({ pid: lockPid, host: hostname(), since: new Date().toISOString() }));

  const corrupt: Record<string, string> = {};
  const mk = (name: string, damage: (dir: string) => void) => {
    const dir = join(root, "corrupt", name);
    locomotionRun(dir, "ant");
    damage(dir);
    corrupt[name] = dir;
  };
  mk("manifest-not-json", (d) => writeFileSync(join(d, MANIFEST), "{ not json"));
  mk("manifest-empty-object", (d) => writeFileSync(join(d, MANIFEST), "{}"));
  mk("manifest-empty-file", (d) => writeFileSync(join(d, MANIFEST), ""));
  mk("wrong-version", (d) => editManifest(d, (m) => (m.formatVersion = 99)));
  mk("manifest-checksum", (d) => editManifest(d, (m) => (m.seed = 8)));
  mk("truncated-binary", (d) => truncateSync(blobOf(d), 100));
  mk("binary-checksum", (d) => {
    const b = readFileSync(blobOf(d));
    b[10] ^= 0xff;
    writeFileSync(blobOf(d), b);
  });
  mk("binary-missing", (d) => unlinkSync(blobOf(d)));
  mk("newest-and-previous", (d) => {
    locomotionRun(d, "ant", {}, 4); // the first save becomes the previous checkpoint
    for (const f of readdirSync(d).filter((f) => f.endsWith(".json"))) writeFileSync(join(d, f), "{ torn");
  });
  mk("binary-empty", (d) => writeFileSync(blobOf(d), ""));
  mk("spec-invalid", (d) => {
    // a well-formed, checksummed checkpoint whose network description is not one
    const m = JSON.parse(readFileSync(join(d, MANIFEST), "utf8")) as { spec: Record<string, unknown> };
    const spec = { ...m.spec, hidden: { size: -4 } };
    rmSync(d, { recursive: true });
    saveCheckpoint(d, { spec, params: new Float32Array(4), config: { kind: "locomotion", env: "ant", agent: "nm-hebb", algo: "es", popSize: 2, sigma: 0.04, lr: 0.02, weightDecay: 0, episodesPerMember: 1, maxSteps: 10, normalizerClip: 5, evalCenterEvery: 0, conditions: {}, envOptions: { clockHz: 0 } }, normalizer: null, seed: 7, training: { generation: 3 } });
  });

  const file = join(root, "a-file.txt");
  writeFileSync(file, "not a folder\n");
  const dir = join(root, "a-folder");
  mkdirSync(dir);
  writeFileSync(join(dir, "keep.txt"), "x");
  const emptyDir = join(root, "empty-folder");
  mkdirSync(emptyDir);

  const cdir = join(root, "conditions");
  mkdirSync(cdir);
  const conditions: Record<string, string> = {};
  const cond = (name: string, text: string) => {
    const p = join(cdir, `${name}.json`);
    writeFileSync(p, text);
    conditions[name] = p;
  };
  cond("not-json", "{ friction: ");
  cond("nan", '{"friction": NaN}');
  cond("array", "[1, 2]");
  cond("string", '"friction"');
  cond("friction-negative", '{"friction": -1}');
  cond("friction-string", '{"friction": "high"}');
  cond("friction-infinite", '{"friction": 1e999}');
  cond("friction-range-reversed", '{"friction": [2, 1]}');
  cond("unknown-field", '{"gravity": 3}');
  cond("leg-7", '{"disabledLegs": [7]}');
  cond("leg-6", '{"disabledLegs": [6]}');
  cond("leg-negative", '{"disabledLegs": [-1]}');
  cond("leg-fraction", '{"disabledLegs": [1.5]}');
  cond("weakened-leg-9", '{"weakenedLegs": [{"leg": 9, "scale": 0.5}]}');
  cond("obs-group", '{"obsNoise": {"sigma": 0.1, "groups": ["wings"]}}');
  cond("obs-sigma-group", '{"obsNoise": {"sigma": {"wings": 0.1}}}');
  cond("motor-list-length", '{"motorStrength": [1, 1, 1]}');
  cond("terrain-kind", '{"terrain": {"kind": "lava"}}');
  cond("push-interval-0", '{"pushes": {"interval": 0, "impulse": 1}}');
  cond("onset-negative", '{"onsetStep": -5}');
  cond("latency-fraction", '{"latency": {"steps": 1.5}}');
  const condDir = join(cdir, "folder.json");
  mkdirSync(condDir);
  conditions["folder"] = condDir;

  const sdir = join(root, "suites");
  mkdirSync(sdir);
  const suites: Record<string, string> = {};
  const base = { name: "mine", maxSteps: 50, nominal: "nominal", conditions: [{ name: "nominal", conditions: {} }] };
  const suite = (name: string, value: unknown, raw?: string) => {
    const p = join(sdir, `${name}.json`);
    writeFileSync(p, raw ?? JSON.stringify(value));
    suites[name] = p;
  };
  suite("not-json", null, "{ name: ");
  suite("array", [base]);
  suite("unknown-field", { ...base, colour: "red" });
  suite("max-steps-string", { ...base, maxSteps: "100" });
  suite("max-steps-zero", { ...base, maxSteps: 0 });
  suite("no-conditions", { ...base, conditions: [] });
  suite("nominal-missing", { ...base, nominal: "calm" });
  suite("condition-unknown-field", { ...base, conditions: [...base.conditions, { name: "hot", conditions: { temperature: 40 } }] });
  suite("condition-leg-7", { ...base, conditions: [...base.conditions, { name: "leg 7 off", conditions: { disabledLegs: [7] } }] });
  suite("condition-obs-group", { ...base, conditions: [...base.conditions, { name: "wing noise", conditions: { obsNoise: { sigma: 0.1, groups: ["wings"] } } }] });
  suite("condition-entry-field", { ...base, conditions: [...base.conditions, { name: "x", conditions: {}, weight: 2 }] });
  suite("duplicate-name", { ...base, conditions: [...base.conditions, { name: "nominal", conditions: {} }] });
  const suiteDir = join(sdir, "folder.json");
  mkdirSync(suiteDir);
  suites["folder"] = suiteDir;

  const badRobot = join(root, "bad.urdf");
  writeFileSync(badRobot, '<robot name="x"><link name="a"/><joint name="j" type="planar"><parent link="a"/><child link="b"/></joint><link name="b"/></robot>\n');
  const garbageRecording = join(root, "garbage.spkrec");
  writeFileSync(garbageRecording, "this is not a recording");
  const fx: Fixtures = { root, cwd, ant, hexapod, task, badConditionsRun, unknownEnvRun, locked, lockPid, corrupt, file, dir, emptyDir, conditions, suites, garbageRecording, badRobot };
  writeFileSync(join(root, "fixtures.json"), JSON.stringify(fx));
  return fx;
}

export function badInputCases(fx: Fixtures): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (argv: string[], names: string, label?: string) => cases.push({ name: label ?? argv.join(" ").replaceAll(fx.root, "<tmp>"), argv, names });
  const tooMany = String(availableParallelism() + 1);
  const antTiny = ["train", "--env", "ant", "--population", "2", "--max-steps", "5", "--generations", "1", "--workers", "0"];

  // the command line itself
  add([], "give a command", "(no command)");
  add(["frobnicate"], "frobnicate");
  add(["--frob"], "--frob");
  add(["train", "--frob"], "--frob");
  add(["train", "stray-word", "--env", "ant"], "stray-word");
  add(["bench"], "bench");
  add(["bench", "nope"], "nope");
  add(["help", "nope"], "nope");
  add(["bench", "help", "nope"], "nope");
  add(["train", "--env"], "--env");
  add(["eval", "--checkpoint"], "--checkpoint");

  // train: flags
  add(["train", "--env", "dog"], "--env");
  add(["train", "--env", ""], "--env", "train --env ''");
  add(["train", "--env", "ant", "--agent", "nope"], "--agent");
  add(["train", "--env", "ant", "--agent", ""], "--agent", "train --agent ''");
  add(["train", "--env", "ant", "--algo", "cma"], "--algo");
  for (const p of ["5", "0", "abc", "-2", "", "1e9"]) add(["train", "--env", "ant", "--population", p], "--population", `train --population '${p}'`);
  for (const g of ["0", "1.5", "", "-3"]) add(["train", "--env", "ant", "--generations", g], "--generations", `train --generations '${g}'`);
  for (const m of ["0", "-1", "abc", "NaN", "Infinity", "0.01"]) add(["train", "--env", "ant", "--minutes", m], "--minutes", `train --minutes ${m}`);
  add(["train", "--env", "ant", "--episodes", "0"], "--episodes");
  add(["train", "--env", "ant", "--max-steps", "0"], "--max-steps");
  add(["train", "--env", "ant", "--max-steps", "1e9"], "--max-steps");
  add(["train", "--env", "ant", "--clock-hz", "-1"], "--clock-hz");
  add(["train", "--env", "ant", "--clock-hz", "100"], "--clock-hz");
  add(["train", "--env", "ant", "--sigma", "0"], "--sigma");
  add(["train", "--env", "ant", "--lr", "0"], "--lr");
  add(["train", "--env", "ant", "--lr", "nan"], "--lr");
  add(["train", "--env", "ant", "--weight-decay", "-0.1"], "--weight-decay");
  add(["train", "--env", "ant", "--group-scaling", "init-rms-normalised"], "--group-scaling", "train --group-scaling with an unknown mode");
  for (const g of ["alpha=0", "alpha", "alpha=x", "alpha=2,alpha=3", "=2"]) add(["train", "--env", "ant", "--agent", "nm-hebb", "--group-scale", g], "--group-scale", `train --group-scale '${g}'`);
  add(["train", "--env", "ant", "--agent", "nm-hebb", "--group-scale", "gamma=2"], "--group-scale", "train --group-scale naming no parameter group");
  add(["train", "--env", "ant", "--agent", "static", "--group-scale", "alpha=10"], "--group-scale", "train --group-scale alpha on a static network");
  add(["train", "--env", "ant", "--workers", "-1"], "--workers");
  add(["train", "--env", "ant", "--workers", tooMany], "--workers", "train --workers (cores + 1)");
  add(["train", "--env", "ant", "--workers", "99999"], "--workers");
  add(["train", "--env", "ant", "--seed", "-1"], "--seed");
  add(["train", "--env", "ant", "--seed", String(2 ** 32)], "--seed");
  add(["train", "--env", "ant", "--watch", "70000"], "--watch");
  add(["train", "--env", "ant", "--watch", "abc"], "--watch");
  add(["train", "--env", "ant", "--task", "cue-association"], "--task");
  add(["train"], "--env", "train (no --env/--task)");
  add(["train", "--env", "ant", "--cues", "4"], "--cues");
  add(["train", "--env", "ant", "--iterations", "3"], "--iterations");
  add(["train", "--env", "ant", "--noise", "0.1"], "--noise");

  // train: conditions files (named by flag and file; robot facts checked before any checkpoint is written)
  const out = (name: string) => ["--out", join(fx.root, "new-runs", name)];
  add([...antTiny, ...out("c1"), "--conditions", join(fx.root, "conditions", "missing.json")], "missing.json");
  add([...antTiny, ...out("c2"), "--conditions", ""], "--conditions", "train --conditions ''");
  add([...antTiny, ...out("c3"), "--conditions", fx.conditions.folder], "folder.json");
  add([...antTiny, ...out("c4"), "--conditions", fx.conditions["not-json"]], "not-json.json");
  add([...antTiny, ...out("c5"), "--conditions", fx.conditions.nan], "nan.json");
  add([...antTiny, ...out("c6"), "--conditions", fx.conditions.array], "conditions");
  add([...antTiny, ...out("c7"), "--conditions", fx.conditions.string], "conditions");
  add([...antTiny, ...out("c8"), "--conditions", fx.conditions["friction-negative"]], "conditions.friction");
  add([...antTiny, ...out("c9"), "--conditions", fx.conditions["friction-string"]], "conditions.friction");
  add([...antTiny, ...out("c10"), "--conditions", fx.conditions["friction-infinite"]], "conditions.friction");
  add([...antTiny, ...out("c11"), "--conditions", fx.conditions["friction-range-reversed"]], "conditions.friction");
  add([...antTiny, ...out("c12"), "--conditions", fx.conditions["unknown-field"]], "gravity");
  add([...antTiny, ...out("c13"), "--conditions", fx.conditions["leg-7"]], "conditions.disabledLegs[0]");
  add(["train", "--env", "hexapod", "--population", "2", "--max-steps", "5", "--generations", "1", "--workers", "0", ...out("c14"), "--conditions", fx.conditions["leg-6"]], "conditions.disabledLegs[0]");
  add([...antTiny, ...out("c15"), "--conditions", fx.conditions["leg-negative"]], "conditions.disabledLegs[0]");
  add([...antTiny, ...out("c16"), "--conditions", fx.conditions["leg-fraction"]], "conditions.disabledLegs[0]");
  add([...antTiny, ...out("c17"), "--conditions", fx.conditions["weakened-leg-9"]], "conditions.weakenedLegs[0].leg");
  add([...antTiny, ...out("c18"), "--conditions", fx.conditions["obs-group"]], "conditions.obsNoise.groups[0]");
  add([...antTiny, ...out("c19"), "--conditions", fx.conditions["obs-sigma-group"]], "conditions.obsNoise.sigma.wings");
  add([...antTiny, ...out("c20"), "--conditions", fx.conditions["motor-list-length"]], "conditions.motorStrength");
  add([...antTiny, ...out("c21"), "--conditions", fx.conditions["terrain-kind"]], "conditions.terrain");
  add([...antTiny, ...out("c22"), "--conditions", fx.conditions["push-interval-0"]], "conditions.pushes.interval");
  add([...antTiny, ...out("c23"), "--conditions", fx.conditions["onset-negative"]], "conditions.onsetStep");
  add([...antTiny, ...out("c24"), "--conditions", fx.conditions["latency-fraction"]], "conditions.latency.steps");

  // train: the run folder
  add([...antTiny, "--out", fx.file], fx.file);
  add([...antTiny, "--out", join(fx.file, "run")], fx.file);
  add([...antTiny, "--out", "/proc/spikeloco-run"], "/proc/spikeloco-run");
  add([...antTiny, "--out", "/proc/self/run"], "/proc/self/run");
  add([...antTiny, "--out", "/sys/spikeloco-run"], "/sys/spikeloco-run");
  add([...antTiny, "--out", ""], "--out", "train --out ''");
  add([...antTiny, "--out", fx.ant], fx.ant);
  add([...antTiny, "--out", fx.locked], `pid ${fx.lockPid}`);
  add(["train", "--task", "cue-association", "--iterations", "1", "--out", fx.file], fx.file);
  add(["train", "--task", "cue-association", "--iterations", "1", "--out", "/proc/spikeloco-task"], "/proc/spikeloco-task");

  // train: --resume
  add(["train", "--resume", join(fx.root, "no-such-run")], "no-such-run");
  add(["train", "--resume", ""], "--resume", "train --resume ''");
  add(["train", "--resume", fx.file], fx.file);
  add(["train", "--resume", fx.emptyDir], fx.emptyDir);
  for (const [name, dir] of Object.entries(fx.corrupt)) add(["train", "--resume", dir, "--generations", "10"], dir, `train --resume <corrupt: ${name}>`);
  add(["train", "--resume", fx.badConditionsRun, "--generations", "10"], "conditions.disabledLegs[0]");
  add(["train", "--resume", fx.unknownEnvRun, "--generations", "10"], "dog");
  add(["train", "--resume", fx.ant, "--population", "8"], "--population");
  add(["train", "--resume", fx.ant, "--env", "hexapod"], "--env");
  add(["train", "--resume", fx.ant, "--agent", "static"], "--agent");
  add(["train", "--resume", fx.ant, "--seed", "5"], "--seed");
  add(["train", "--resume", fx.ant, "--out", join(fx.root, "elsewhere")], "--out");
  add(["train", "--resume", fx.ant, "--conditions", fx.conditions["leg-7"]], "--conditions");
  add(["train", "--resume", fx.ant, "--generations", "2"], "--generations");
  add(["train", "--resume", fx.ant, "--cues", "4"], "--cues");
  add(["train", "--resume", fx.task, "--env", "ant"], "--env");
  add(["train", "--resume", fx.ant, "--task", "cue-association"], fx.ant);
  add(["train", "--resume", fx.task, "--iterations", "1"], "--iterations");
  add(["train", "--resume", fx.task, "--population", "4"], "--population");

  // train: imported robots and distributed runs (flags checked before any work)
  add(["train", "--env", "legged"], "--robot", "train --env legged (no --robot)");
  add(["train", "--env", "legged", "--robot", join(fx.root, "nope.urdf")], "nope.urdf");
  add(["train", "--env", "legged", "--robot", fx.badRobot], "bad.urdf");
  add(["train", "--env", "ant", "--robot", fx.badRobot], "--robot");
  add(["train", "--env", "ant", "--nats", "not-a-url"], "--nats");
  add(["train", "--env", "ant", "--nats", "nats://127.0.0.1:1", "--workers", "1"], "--workers");
  add(["train", "--env", "ant", "--nats", "nats://127.0.0.1:1", "--nats-ca", join(fx.root, "none.pem")], "none.pem");
  add(["train", "--env", "ant", "--nats-timeout", "0"], "--nats-timeout");
  add(["train", "--task", "cue-association", "--nats", "nats://127.0.0.1:1"], "--nats");
  add(["worker"], "--nats", "worker (no --nats)");
  add(["worker", "--cores", "0"], "--cores");
  add(["worker", "--nats", "nats://127.0.0.1:1", "--idle-exit", "-1"], "--idle-exit");

  // robot
  add(["robot"], "robot");
  add(["robot", "import"], "robot import");
  add(["robot", "import", join(fx.root, "nope.urdf")], "nope.urdf");
  add(["robot", "import", fx.badRobot], "bad.urdf");
  add(["robot", "stand", fx.badRobot, "--steps", "0"], "--steps");

  // train --task
  add(["train", "--task", "nope"], "--task");
  add(["train", "--task", "cue-association", "--cues", "1"], "--cues");
  add(["train", "--task", "cue-association", "--cues", "65"], "--cues");
  add(["train", "--task", "pattern-completion", "--cues", "4"], "--cues");
  add(["train", "--task", "cue-association", "--noise", "-1"], "--noise");
  add(["train", "--task", "cue-association", "--batch", "0"], "--batch");
  add(["train", "--task", "cue-association", "--iterations", "0"], "--iterations");
  add(["train", "--task", "cue-association", "--population", "4"], "--population");
  add(["train", "--task", "cue-association", "--conditions", fx.conditions["leg-7"]], "--conditions");
  add(["train", "--task", "cue-association", "--watch"], "--watch");
  add(["train", "--task", "cue-association", "--agent", "nope"], "--agent");

  // eval
  const ck = ["--checkpoint", fx.ant];
  const quick = ["--seeds", "1", "--max-steps", "5", "--workers", "0", "--no-ablation"];
  add(["eval"], "--checkpoint", "eval (no checkpoint)");
  add(["eval", "--checkpoint", ""], "--checkpoint", "eval --checkpoint ''");
  add(["eval", "--checkpoint", join(fx.root, "no-such-run")], "no-such-run");
  add(["eval", "--checkpoint", fx.file], fx.file);
  add(["eval", "--checkpoint", fx.emptyDir], fx.emptyDir);
  add(["eval", "--checkpoint", fx.unknownEnvRun], "dog");
  for (const name of ["truncated-binary", "wrong-version", "manifest-checksum", "manifest-not-json", "binary-missing", "spec-invalid"]) add(["eval", "--checkpoint", fx.corrupt[name]!], fx.corrupt[name]!, `eval --checkpoint <corrupt: ${name}>`);
  add(["eval", ...ck, "--checkpoint", fx.corrupt["binary-checksum"]!], fx.corrupt["binary-checksum"]!, "eval --checkpoint ok --checkpoint <corrupt: binary-checksum>");
  add(["eval", ...ck, "--checkpoint", fx.hexapod, ...quick], fx.hexapod, "eval --checkpoint ant --checkpoint hexapod");
  add(["eval", ...ck, "--suite", "nope"], "--suite");
  add(["eval", ...ck, "--suite", ""], "--suite", "eval --suite ''");
  add(["eval", ...ck, "--suite", join(fx.root, "suites", "missing.json")], "missing.json");
  add(["eval", ...ck, "--suite", fx.suites.folder!], "folder.json");
  for (const name of ["not-json", "array", "unknown-field", "max-steps-string", "max-steps-zero", "no-conditions", "nominal-missing", "condition-unknown-field", "condition-entry-field", "duplicate-name"]) {
    add(["eval", ...ck, "--suite", fx.suites[name]!, ...quick], `${name}.json`, `eval --suite <${name}>`);
  }
  add(["eval", ...ck, "--suite", fx.suites["condition-leg-7"]!, ...quick], "leg 7 off", "eval --suite <leg index 7 on the ant>");
  add(["eval", ...ck, "--suite", fx.suites["condition-obs-group"]!, ...quick], "wings", "eval --suite <unknown observation group>");
  add(["eval", ...ck, "--episodes", "0"], "--episodes");
  for (const s of ["0", "1,1", "a", "1,,2", "", "-3"]) add(["eval", ...ck, "--seeds", s], "--seeds", `eval --seeds '${s}'`);
  add(["eval", ...ck, "--resamples", "10"], "--resamples");
  add(["eval", ...ck, "--max-steps", "0"], "--max-steps");
  add(["eval", ...ck, "--suite", "adaptation", "--max-steps", "10", "--seeds", "1", "--workers", "0"], "--max-steps", "eval --suite adaptation --max-steps before the onset");
  add(["eval", ...ck, "--only", ""], "--only", "eval --only ''");
  add(["eval", ...ck, "--only", ","], "--only", "eval --only ','");
  add(["eval", ...ck, "--only", "nope", ...quick], "--only");
  add(["eval", ...ck, "--workers", "99999"], "--workers");
  add(["eval", ...ck, "--workers", tooMany], "--workers", "eval --workers (cores + 1)");
  add(["eval", ...ck, ...quick, "--report", fx.dir], fx.dir, "eval --report <a folder>");
  add(["eval", ...ck, ...quick, "--report", "/proc/report.html"], "/proc/report.html");
  add(["eval", ...ck, ...quick, "--report", join(fx.file, "r.html")], join(fx.file, "r.html"));
  add(["eval", ...ck, ...quick, "--report", ""], "--report", "eval --report ''");
  add(["eval", ...ck, ...quick, "--report", join(fx.root, "reports") + "/"], "--report", "eval --report <path ending in />");
  add(["eval", ...ck, ...quick, "--out", fx.dir], fx.dir, "eval --out <a folder>");
  add(["eval", ...ck, ...quick, "--out", "/proc/report.json"], "/proc/report.json");
  add(["eval", ...ck, ...quick, "--out", join(fx.file, "r.json")], join(fx.file, "r.json"));
  add(["eval", ...ck, ...quick, "--out", "/sys/report.json"], "/sys/report.json");
  add(["eval", ...ck, ...quick, "--record", fx.file], fx.file, "eval --record <a file>");
  add(["eval", ...ck, ...quick, "--record", "/proc/recordings"], "/proc/recordings");
  add(["eval", ...ck, ...quick, "--report", join(fx.root, "same.json"), "--out", join(fx.root, "same.json")], "--out", "eval --report x --out x");

  // watch (its flags and inputs; the server itself is the viewer's)
  add(["watch", "--port", "70000"], "--port");
  add(["watch", "--port", "abc"], "--port");
  add(["watch", "--seed", "-1"], "--seed");
  add(["watch", "--steps", "0"], "--steps");
  add(["watch", "--checkpoint", "x", "--recording", "y"], "--recording");
  add(["watch", "--checkpoint", join(fx.root, "no-such-run"), "--port", "0"], "no-such-run");
  add(["watch", "--checkpoint", fx.corrupt["truncated-binary"]!, "--port", "0"], fx.corrupt["truncated-binary"]!, "watch --checkpoint <corrupt: truncated-binary>");
  add(["watch", "--recording", join(fx.root, "none.spkrec"), "--port", "0"], "none.spkrec");
  add(["watch", "--recording", fx.garbageRecording, "--port", "0"], "garbage.spkrec");
  add(["watch", "--env", "dog", "--port", "0"], "dog");
  add(["watch", "--agent", "nope", "--port", "0"], "nope");
  add(["watch", "--conditions", fx.conditions["friction-negative"]!, "--port", "0"], "conditions.friction");

  // start
  add(["start", "--minutes", "0"], "--minutes");
  add(["start", "--env", "legged"], "--robot", "start --env legged (no --robot)");
  add(["start", "--env", "legged", "--robot", join(fx.root, "nope.urdf"), "--no-viewer", "--out", join(fx.root, "new-runs", "legged")], "nope.urdf");
  add(["start", "--minutes", "abc"], "--minutes");
  add(["start", "--env", "dog"], "--env");
  add(["start", "--agent", "nope"], "--agent");
  add(["start", "--no-viewer", "--out", fx.file], fx.file);
  add(["start", "--no-viewer", "--out", "/proc/spikeloco-start"], "/proc/spikeloco-start");
  add(["start", "--no-viewer", "--out", fx.hexapod], fx.hexapod, "start --out <a hexapod run> (default --env ant)");
  add(["start", "--no-viewer", "--env", "ant", "--agent", "static", "--out", fx.ant], fx.ant, "start --agent static --out <an nm-hebb run>");
  add(["start", "--no-viewer", "--out", fx.corrupt["truncated-binary"]!], fx.corrupt["truncated-binary"]!, "start --out <corrupt: truncated-binary>");
  add(["start", "--no-viewer", "--out", fx.corrupt["wrong-version"]!], fx.corrupt["wrong-version"]!, "start --out <corrupt: wrong-version>");
  add(["start", "--no-viewer", "--out", fx.task], fx.task, "start --out <a task run>");
  add(["start", "--no-viewer", "--out", fx.ant, "--seed", "5"], "--seed", "start --out <run with seed 7> --seed 5");
  add(["start", "--no-viewer", "--out", fx.badConditionsRun], "conditions.disabledLegs[0]", "start --out <run with bad stored conditions>");
  add(["start", "--no-viewer", "--out", fx.locked], `pid ${fx.lockPid}`, "start --out <locked folder>");
  add(["start", "--workers", "99999"], "--workers");
  add(["start", "--eval-seeds", "0"], "--eval-seeds");
  add(["start", "--port", "70000"], "--port");
  add(["start", "--seed", "-1"], "--seed");
  add(["start", "--out", ""], "--out", "start --out ''");

  // bench
  add(["bench", "env", "--env", "dog"], "--env");
  add(["bench", "env", "--terrain", "lava"], "--terrain");
  add(["bench", "env", "--env", "legged"], "--env");
  add(["bench", "env", "--steps", "5"], "--steps");
  add(["bench", "env", "--rounds", "0"], "--rounds");
  add(["bench", "snn", "--agent", "nope"], "--agent");
  add(["bench", "snn", "--bptt-batches", "0"], "--bptt-batches");
  add(["bench", "snn", "--bptt-batches", "1,x"], "--bptt-batches");
  add(["bench", "snn", "--kernel-steps", "1"], "--kernel-steps");
  add(["bench", "snn-gradcheck", "--steps", "0"], "--steps");
  add(["bench", "train", "--population", "3"], "--population");
  add(["bench", "train", "--env", "dog"], "--env");
  add(["bench", "train", "--agent", "nope"], "--agent");
  add(["bench", "train", "--workers", "99999"], "--workers");
  add(["bench", "train", "--max-steps", "1"], "--max-steps");
  add(["bench", "viewer", "--clients", "0"], "--clients");
  add(["bench", "viewer", "--seconds", "abc"], "--seconds");

  // repro
  add(["repro", "nope"], "nope");
  add(["repro", "stdp-order", "--seed", "-1"], "--seed");
  add(["repro", "stdp-order", "extra"], "extra");
  add(["repro", "adaptation", "--minutes", "0"], "--minutes");
  add(["repro", "adaptation", "--workers", tooMany], "--workers", "repro adaptation --workers (cores + 1)");
  add(["repro", "adaptation", "--train-seeds", "1,x"], "--train-seeds");
  add(["repro", "adaptation", "--out", "/proc/spikeloco-adapt"], "/proc/spikeloco-adapt");
  add(["eval", "--pretrained", ""], "--pretrained", "eval --pretrained ''");
  add(["eval", "--pretrained", "no-such-controller"], "no-such-controller");
  return cases;
}
