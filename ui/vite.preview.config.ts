import { defineConfig, mergeConfig } from "vite";
import base from "./vite.config";

// The preview build: the app plus preview.html (a mocked backend), into
// dist-preview/ so the app's dist/ never holds the mock.
export default mergeConfig(
  base,
  defineConfig({
    build: {
      outDir: "dist-preview",
      rollupOptions: { input: { index: "index.html", preview: "preview.html" } },
    },
  }),
);
