import { describe, expect, it } from "vitest";
import { floatOption, intOption } from "../../src/cli/output.ts";

describe("CLI numeric options", () => {
  it("parses in-range integers and floats", () => {
    expect(intOption("--n", 0, 10)("7")).toBe(7);
    expect(floatOption("--x", 0, 1)("0.25")).toBe(0.25);
  });

  it("rejects empty strings instead of reading them as 0", () => {
    expect(() => intOption("--port", 0, 65535)("")).toThrow("--port: must be an integer, got ''");
    expect(() => intOption("--port", 0, 65535)("  ")).toThrow("--port: must be an integer");
    expect(() => floatOption("--x")("")).toThrow("--x: must be a number, got ''");
  });

  it("names only the bound that exists", () => {
    expect(() => intOption("--steps", 10)("0")).toThrow("--steps: must be >= 10, got 0");
    expect(() => intOption("--d", undefined, 5)("6")).toThrow("--d: must be <= 5, got 6");
    expect(() => intOption("--p", 0, 65535)("99999")).toThrow("--p: must be in [0, 65535], got 99999");
    expect(() => floatOption("--s", 0)("-1")).toThrow("--s: must be >= 0, got -1");
    expect(() => intOption("--k")("1.5")).toThrow("--k: must be an integer, got '1.5'");
  });
});

describe("parser errors in the one style", () => {
  it("reformats commander's own errors and InvalidArgumentError from other parsers", async () => {
    const { Command, CommanderError, InvalidArgumentError } = await import("commander");
    const { formatParserError } = await import("../../src/cli/main.ts");
    const program = new Command("spikeloco").exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    program.command("go").option("--level <n>", "level", (v: string) => {
      if (v !== "high") throw new InvalidArgumentError(`--level must be high, got '${v}'`);
      return v;
    }).action(() => {});
    const message = (argv: string[]) => {
      try {
        program.parse(argv, { from: "user" });
      } catch (err) {
        if (err instanceof CommanderError) return formatParserError(err, program, argv);
        throw err;
      }
      return "parsed";
    };
    expect(message(["go", "--level", "low"])).toBe("--level: must be high, got 'low'");
    expect(message(["go", "--levl", "high"])).toBe("--levl: unknown option for 'go' (did you mean --level?)");
    expect(message(["go", "--level"])).toBe("--level: needs a value");
    expect(message(["og"])).toBe("og: unknown command (known: go) (did you mean go?)");
  });
});
