/**
 * The committed WASM kernel (src/snn/wasm/kernel-binary.ts) is what its source compiles to: rebuilding kernel.c with
 * the pinned toolchain (clang-14 + lld-14, flags in src/snn/wasm/build.ts) must give the committed file byte for
 * byte. Without clang-14 this test fails and says how to install it (.ci/run installs it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clangVersion, compileKernel, GENERATED, generatedModule, INSTALL_HINT, macroFields, SOURCE } from "../../src/snn/wasm/build.ts";
import { NET_FIELDS, PROJ_FIELDS } from "../../src/snn/wasm/kernel-binary.ts";

describe("WASM kernel build", () => {
  it("rebuilding kernel.c reproduces the committed kernel-binary.ts byte for byte", () => {
    const version = clangVersion();
    if (!version) throw new Error(`cannot check src/snn/wasm/kernel-binary.ts against kernel.c: clang-14 is not installed; ${INSTALL_HINT}`);
    const rebuilt = generatedModule(compileKernel());
    const committed = readFileSync(GENERATED, "utf8");
    expect(rebuilt === committed, `kernel-binary.ts differs from what ${version} builds from kernel.c: run npm run build:kernel and commit the result`).toBe(true);
  });

  it("the generated field lists are kernel.c's Net and Proj records", () => {
    const source = readFileSync(SOURCE, "utf8");
    expect(NET_FIELDS).toEqual(macroFields(source, "NET_FIELDS"));
    expect(PROJ_FIELDS).toEqual(macroFields(source, "PROJ_FIELDS"));
    expect(NET_FIELDS.map(([n]) => n)).toContain("denseFactor");
    expect(PROJ_FIELDS.find(([n]) => n === "H")).toEqual(["H", "ptr"]);
  });
});
