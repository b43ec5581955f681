/**
 * Vite build and Vitest configuration for the embedded SPA. The build lands in `dist/` with hashed
 * asset names under `dist/assets/`, which the worker binary embeds and serves with immutable caching.
 * `npm run dev` proxies `/api` to a worker on 127.0.0.1:8010 so the UI can be developed live.
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8010", changeOrigin: false },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
