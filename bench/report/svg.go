package main

import (
	"fmt"
	"log"
	"math"
	"os"
	"strings"
)

// A tiny SVG writer: bar charts and log-log line charts, no dependency.

var colors = map[string]string{"kinrt": "#1f77b4", "node": "#d62728", "before": "#9aa7b1"}

type bar struct {
	label  string
	values []float64 // in the order of servers
}

type series struct {
	name, color string
	pts         [][2]float64
}

func seriesOf(name, server string, pts [][2]float64) series {
	return series{name: name, color: colors[server], pts: pts}
}

const (
	width, height = 720, 420
	left, right   = 80, 20
	top, bottom   = 40, 60
)

func writeSVG(path, body string) {
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		log.Fatal(err)
	}
}

func header(title string) *strings.Builder {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="14">%s</text>`+"\n", left, esc(title))
	return &b
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func legend(b *strings.Builder, names []string, cols []string) {
	for i, n := range names {
		x := width - right - 150
		y := top + 10 + i*16
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", x, y, cols[i], x+14, y+9, esc(n))
	}
}

func barChart(title string, bars []bar) string {
	b := header(title)
	maxV := 0.0
	for _, br := range bars {
		for _, v := range br.values {
			maxV = math.Max(maxV, v)
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, height-bottom, width-right, height-bottom)
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		y := float64(height-bottom) - plotH*float64(i)/4
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left, y, width-right, y, left-6, y+4, short(v))
	}
	group := plotW / float64(max(len(bars), 1))
	bw := group / float64(len(servers)+1)
	for i, br := range bars {
		x0 := float64(left) + group*float64(i) + bw/2
		for j, v := range br.values {
			h := plotH * v / maxV
			x := x0 + bw*float64(j)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, float64(height-bottom)-h, bw-4, h, colors[servers[j]])
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x+bw/2-2, float64(height-bottom)-h-4, short(v))
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x0+bw, height-bottom+18, esc(br.label))
	}
	var cols []string
	for _, s := range servers {
		cols = append(cols, colors[s])
	}
	legend(b, servers, cols)
	b.WriteString("</svg>\n")
	return b.String()
}

// lineChart plots p99 (y, log) against deliveries/s (x, log), with the
// bound as a dashed line.
func lineChart(title string, ss []series, bound float64) string {
	b := header(title)
	minX, maxX, minY, maxY := math.Inf(1), 0.0, math.Inf(1), bound
	for _, s := range ss {
		for _, p := range s.pts {
			minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
			minY, maxY = math.Min(minY, math.Max(p[1], 0.1)), math.Max(maxY, p[1])
		}
	}
	if maxX == 0 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	minY = math.Min(minY, bound)
	lx0, lx1 := math.Log10(minX)-0.05, math.Log10(maxX)+0.05
	ly0, ly1 := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	px := func(x float64) float64 { return float64(left) + plotW*(math.Log10(x)-lx0)/(lx1-lx0) }
	py := func(y float64) float64 {
		return float64(height-bottom) - plotH*(math.Log10(math.Max(y, 0.1))-ly0)/(ly1-ly0)
	}
	for e := ly0; e <= ly1; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s ms</text>`+"\n", left, y, width-right, y, left-6, y+4, short(math.Pow(10, e)))
	}
	for e := math.Ceil(lx0); e <= lx1; e += 0.5 {
		x := px(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/><text x="%.1f" y="%d" text-anchor="middle">%s/s</text>`+"\n", x, top, x, height-bottom, x, height-bottom+16, short(math.Pow(10, e)))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black" stroke-dasharray="6,4"/><text x="%d" y="%.1f">p99 bound</text>`+"\n", left, py(bound), width-right, py(bound), left+4, py(bound)-4)
	var names, cols []string
	for i, s := range ss {
		var pts []string
		for _, p := range s.pts {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1])))
		}
		dash := ""
		if i%2 == 1 {
			dash = ` stroke-dasharray="3,3"`
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", s.color, dash, strings.Join(pts, " "))
		for _, p := range pts {
			var x, y float64
			fmt.Sscanf(p, "%f,%f", &x, &y)
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, x, y, s.color)
		}
		names, cols = append(names, s.name), append(cols, s.color)
	}
	legend(b, names, cols)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">offered deliveries/s (log)</text>`+"\n", left+int(plotW/2), height-16)
	b.WriteString("</svg>\n")
	return b.String()
}

func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
