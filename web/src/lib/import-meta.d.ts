// The one environment variable this package reads through import.meta.env.
// Declared the way vite/client declares ImportMeta, so the two merge.
interface ImportMetaEnv {
  readonly NEXT_PUBLIC_SOCKET_IO_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
