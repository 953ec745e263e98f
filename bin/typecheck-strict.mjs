#!/usr/bin/env node
// `npm run typecheck:strict`: the files listed in tsconfig.strict.json type-check under
// noUncheckedIndexedAccess + exactOptionalPropertyTypes. tsc itself would also report the files they
// import that are not on the list yet (src/env, src/physics, ...), so this runs the same program and
// fails only on errors in the listed files; the rest is counted on stderr. Once every file is clean,
// tsconfig.json takes both flags and this script gives way to plain `tsc -p tsconfig.json`.
import ts from "typescript";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const configPath = join(root, "tsconfig.strict.json");
const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")) };
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, host);
if (!config) fail(`cannot read ${configPath}`);
if (config.errors.length > 0) fail(ts.formatDiagnostics(config.errors, formatHost()));

const listed = new Set(config.fileNames.map((f) => resolve(f)));
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
const diagnostics = ts.getPreEmitDiagnostics(program);
const inListed = diagnostics.filter((d) => d.file === undefined || listed.has(resolve(d.file.fileName)));
const elsewhere = new Set(diagnostics.filter((d) => !inListed.includes(d)).map((d) => d.file.fileName));

if (inListed.length > 0) process.stdout.write(ts.formatDiagnosticsWithColorAndContext(inListed, formatHost()));
process.stderr.write(
  `typecheck:strict: ${inListed.length} error(s) in the ${listed.size} files tsconfig.strict.json lists` +
    ` (${diagnostics.length - inListed.length} more in ${elsewhere.size} imported files not listed yet)\n`,
);
process.exit(inListed.length > 0 ? 1 : 0);

function formatHost() {
  return { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
}

function fail(message) {
  process.stderr.write(`typecheck:strict: ${message}\n`);
  process.exit(2);
}
