/**
 * Browser benchmarks, run on their own (`npx playwright test -c bench/playwright.bench.config.ts`,
 * or `make bench`): same Chromium and worker fixtures as the e2e tests, one at a time, with
 * precise `performance.memory`; the figures table is printed and written to bench/results.txt.
 */
import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

const args = base.use?.launchOptions?.args ?? [];

export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "*.bench.ts",
  workers: 1,
  fullyParallel: false,
  timeout: 600_000,
  outputDir: "../test-results/bench",
  globalSetup: "./global-setup.ts",
  use: {
    ...base.use,
    launchOptions: { ...base.use?.launchOptions, args: [...args, "--enable-precise-memory-info"] },
  },
});
