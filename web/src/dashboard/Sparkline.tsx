/** The geometry of a sparkline: the line's points and the area under it, in a width × height box. */
export function sparklinePaths(values: readonly number[], width: number, height: number): { line: string; area: string } {
  if (values.length === 0) return { line: "", area: "" };
  const peak = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const pts = values.map((v, i) => {
    const x = values.length > 1 ? i * step : width / 2;
    const y = height - 1 - (Math.max(0, v) / peak) * (height - 2);
    return `${round(x)},${round(y)}`;
  });
  const line = `M${pts.join(" L")}`;
  const first = pts[0]?.split(",")[0] ?? "0";
  const last = pts[pts.length - 1]?.split(",")[0] ?? "0";
  return { line, area: `${line} L${last},${height} L${first},${height} Z` };
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface SparklineProps {
  values: readonly number[];
  /** The text alternative (the chart is an image to assistive technology). */
  label: string;
  className?: string;
}

const W = 120;
const H = 32;

/** A small inline SVG chart of values, oldest first, scaled to their peak. */
export function Sparkline({ values, label, className }: SparklineProps) {
  const { line, area } = sparklinePaths(values, W, H);
  return (
    <svg
      className={`dash-sparkline${className ? ` ${className}` : ""}`}
      viewBox={`0 0 ${W} ${H}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
      focusable="false"
    >
      <title>{label}</title>
      <path className="dash-sparkline__area" d={area} />
      <path className="dash-sparkline__line" d={line} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
