import type { NextConfig } from "next";

// Nothing KIN-specific is read at build time: the layout reads KINRT_URL and
// KINRT_AUTH when a page is requested, so one build runs beside any kinrt.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
