import { defineConfig } from "vitest/config";

// The viewer's browser tests bound frame gaps in a software-GL browser; beside another test file on this
// 2-core machine a gap measured 7.5 s (0.5-0.7 s alone), so that file runs on its own after the rest.
const BROWSER = "test/viewer/browser.test.ts";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [BROWSER], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "browser", include: [BROWSER], sequence: { groupOrder: 1 } } },
    ],
  },
});
