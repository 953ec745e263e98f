/**
 * Lazy command registration: the CLI lists every command with its summary but registers in full only the
 * command argv runs, and a command module's top-level imports stay clear of the heavy graph (envs,
 * physics, the env layer), which is what made every start (even --help) slow.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { addressedCommand, buildProgram, runCli } from "../../src/cli/main.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const commandsDir = join(root, "src/cli/commands");
const commandFiles = readdirSync(commandsDir).filter((f) => f.endsWith(".ts")).sort();
const names = commandFiles.map((f) => f.replace(/\.ts$/, ""));

function sink() {
  let text = "";
  return { stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

/** Whether the command has been registered in full (options, arguments or subcommands added). */
function complete(program: Awaited<ReturnType<typeof buildProgram>>, name: string): boolean {
  const cmd = program.commands.find((c) => c.name() === name)!;
  return cmd.options.length + cmd.registeredArguments.length + cmd.commands.length > 0;
}

/** Files reached from `file` through value imports / re-exports (type-only ones and dynamic import() skipped). */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
  for (const st of sf.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly) spec = st.moduleSpecifier;
    if (ts.isExportDeclaration(st) && !st.isTypeOnly) spec = st.moduleSpecifier;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith(".")) staticGraph(resolve(dirname(file), spec.text), seen);
  }
  return seen;
}

describe("command registry", () => {
  it("top-level help lists every command with its summary and registers none in full", async () => {
    const program = await buildProgram(undefined, [], ["--help"]);
    expect(program.commands.map((c) => c.name())).toEqual(names);
    for (const name of names) {
      const mod = (await import(join(commandsDir, `${name}.ts`))) as { summary: string };
      expect(program.commands.find((c) => c.name() === name)!.description()).toBe(mod.summary);
      expect(complete(program, name), name).toBe(false);
    }
    const out = sink();
    expect(await runCli(["--help"], { stdout: out.stream, stderr: sink().stream })).toBe(0);
    const help = out.text().replace(/\s+/g, " ");
    for (const c of program.commands) expect(help).toContain(`${c.name()} ${c.description()}`.replace(/\s+/g, " "));
  });

  it("registers in full exactly the command argv runs (also through `help <command>`)", async () => {
    for (const argv of [["eval", "--help"], ["help", "train"], ["robot", "import", "x.urdf"], ["--json", "start"]]) {
      const program = await buildProgram(undefined, [], argv);
      const target = addressedCommand(argv);
      for (const name of names) expect(complete(program, name), `${argv.join(" ")}: ${name}`).toBe(name === target);
    }
    expect(addressedCommand(["--version"])).toBeNull();
    expect(addressedCommand(["help"])).toBeNull();
    const all = await buildProgram();
    for (const name of names) expect(complete(all, name), name).toBe(true);
  });

  it("command modules import no env, physics or registry code at their top level", () => {
    const heavy = [join(root, "envs"), join(root, "src/env"), join(root, "src/physics"), join(root, "agents")];
    for (const file of commandFiles) {
      const reached = [...staticGraph(join(commandsDir, file))].filter((f) => heavy.some((h) => f.startsWith(h + "/")));
      expect(reached, file).toEqual([]);
    }
  });
});
