import { defineConfig, type UserConfig } from "vitest/config";

// Node's process (this file runs in Node; no @types/node needed).
declare const process: { env: Record<string, string | undefined> };

// `npm run dev` serves the dashboard with hot reload and forwards the API,
// the socket and the sign-in page to a running service. The Host header is
// kept, so the service sees a same-origin page and accepts its cookie.
const service = process.env.KINRT_URL ?? "http://localhost:3000";

// The dashboard build. Its output (dist/) is committed and embedded in the
// Go binary (web/embed.go), and CI rebuilds it and fails when it differs, so
// the build must be byte-for-byte reproducible: content-hashed file names, no
// source maps with absolute paths, nothing read from the builder's
// environment (only VITE_-prefixed variables would be, and the sources read
// none), no timestamps.
const config = {
  base: "/",
  publicDir: "public",
  // JSX through esbuild's automatic runtime: no Babel, no React plugin.
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    cssCodeSplit: false,
    // The dashboard is one entry: no preload polyfill needed, and none
    // inlined (the service's CSP allows no inline script).
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        entryFileNames: "assets/[name]-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: service },
      "/socket.io": { target: service, ws: true },
      "/signin": { target: service },
    },
  },
  test: {
    // Pure logic runs in Node; component tests opt into jsdom with a
    // `// @vitest-environment jsdom` first line.
    environment: "node",
    // scripts/*.test.mjs: the npm package, packed and imported (Node only).
    include: ["src/**/*.test.{ts,tsx}", "scripts/**/*.test.mjs"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    unstubGlobals: true,
  },
} satisfies UserConfig;

export default defineConfig(({ command }) => {
  // A NODE_ENV=development left in the builder's environment would make a
  // development build (React's, among others): the build is always production.
  if (command === "build") process.env.NODE_ENV = "production";
  return config;
});
