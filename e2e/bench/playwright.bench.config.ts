/**
 * Browser benchmarks, run on their own (`npx playwright test -c bench/playwright.bench.config.ts`):
 * same Chromium and worker fixtures as the e2e tests, one at a time, figures printed to stdout.
 */
import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "*.bench.ts",
  workers: 1,
  timeout: 300_000,
});
