import { defineConfig } from "vitest/config";

// The built files in dist/ are what Tauri embeds (src-tauri/tauri.conf.json: frontendDist).
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // One script and one stylesheet, served by Tauri's custom protocol under a strict CSP.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
