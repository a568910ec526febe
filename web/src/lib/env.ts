/// <reference path="./import-meta.d.ts" />

// `process` as Next.js sees it: its bundler replaces the literal
// `process.env.NEXT_PUBLIC_*` expressions below at build time. Declared
// here, module-scoped, so that this package needs no Node typings.
declare const process: { env: Record<string, string | undefined> };

function fromImportMeta(): string | undefined {
  try {
    // Vite (and other bundlers that support import.meta.env) replace this
    // at build time; elsewhere import.meta.env is undefined and this throws.
    return import.meta.env.NEXT_PUBLIC_SOCKET_IO_URL;
  } catch {
    return undefined;
  }
}

function fromProcessEnv(): string | undefined {
  try {
    // A ReferenceError where there is no process (a browser without Next.js).
    return process.env.NEXT_PUBLIC_SOCKET_IO_URL;
  } catch {
    return undefined;
  }
}

/**
 * The Socket.IO server URL from the environment: `NEXT_PUBLIC_SOCKET_IO_URL`
 * (import.meta.env for Vite, process.env for Next.js), or undefined, which
 * means the page's own origin.
 */
export function defaultSocketUrl(): string | undefined {
  const url = fromImportMeta() || fromProcessEnv();
  return typeof url === "string" && url.trim() !== "" ? url.trim() : undefined;
}
