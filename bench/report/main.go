// Command report turns the JSON lines of bench/load into bench/RESULTS.md
// and one SVG plot per scenario.
//
//	report -in results.jsonl -out bench -machine "..." -commands "..."
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kin-comms/kinrt/bench/internal/load"
)

type record struct {
	Scenario string          `json:"scenario"`
	Server   string          `json:"server"`
	Rep      int             `json:"rep"`
	Clients  int             `json:"clients"`
	Error    string          `json:"error"`
	Result   json.RawMessage `json:"result"`
}

// servers in table order: ours first, the reference second, then ours
// before the optimizations when the run included it (bench/run --before).
var servers = []string{"kinrt", "node"}

// hasBefore reports whether the results include the "before" server.
var hasBefore bool

// beforeCols returns the extra columns of the "before" server: its value
// and ours / before.
func beforeCols(v map[string][]float64, format string) string {
	if !hasBefore {
		return ""
	}
	return fmt.Sprintf(" "+format+" | %s |", mean(v["before"]), ratio(mean(v["kinrt"]), mean(v["before"])))
}

func beforeHead(name string) (string, string) {
	if !hasBefore {
		return "", ""
	}
	return fmt.Sprintf(" before %s | kinrt / before |", name), "---|---|"
}

func main() {
	in := flag.String("in", "", "results (JSON lines)")
	out := flag.String("out", "bench", "directory of RESULTS.md and the plots")
	machine := flag.String("machine", "", "machine description (markdown)")
	commands := flag.String("commands", "", "commands run (markdown)")
	title := flag.String("title", "Benchmark results", "heading")
	notes := flag.String("notes", "", "markdown file appended at the end")
	flag.Parse()
	recs, err := read(*in)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		if r.Server == "before" {
			hasBefore = true
		}
	}
	if hasBefore {
		servers = append(servers, "before")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", *title)
	fmt.Fprintf(&b, "Written by `bench/run` (bench/report); ours is `kinrt` (bench/server), the reference is Node's socket.io 4.8.4 (bench/node). Each point ran %s, each time on a fresh server; the tables give the mean of the runs and each run.\n\n", times(runsPerPoint(recs)))
	if hasBefore {
		fmt.Fprintf(&b, "`before` is bench/server built from our code before the optimizations of issue 8 (`bench/run --before REV`), measured in the same run.\n\n")
	}
	fmt.Fprintf(&b, "## Machine\n\n%s\n\n## Commands\n\n%s\n\n", *machine, *commands)
	targetsSection(&b, recs)
	idleSection(&b, recs, *out)
	echoSection(&b, recs, *out)
	fanoutSection(&b, recs, *out)
	webhookSection(&b, recs, *out)
	stormSection(&b, recs)
	errorsSection(&b, recs)
	if *notes != "" {
		extra, err := os.ReadFile(*notes)
		if err != nil {
			log.Fatal(err)
		}
		b.Write(extra)
	}
	if err := os.WriteFile(filepath.Join(*out, "RESULTS.md"), []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}

// runsPerPoint returns how many times a point ran: the most records of
// one scenario, size and server.
func runsPerPoint(recs []record) int {
	type point struct {
		scenario, server string
		clients          int
	}
	n := map[point]int{}
	most := 0
	for _, r := range recs {
		k := point{r.Scenario, r.Server, r.Clients}
		n[k]++
		most = max(most, n[k])
	}
	return most
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

func read(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r record
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Scenario != "" {
			recs = append(recs, r)
		}
	}
	return recs, sc.Err()
}

// pick returns the results of scenario at clients from server, decoded.
func pick[T any](recs []record, scenario, server string, clients int) []T {
	var out []T
	for _, r := range recs {
		if r.Scenario == scenario && r.Server == server && r.Clients == clients && r.Error == "" {
			var v T
			if json.Unmarshal(r.Result, &v) == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

func clientCounts(recs []record, scenario string) []int {
	seen := map[int]bool{}
	var out []int
	for _, r := range recs {
		if r.Scenario == scenario && !seen[r.Clients] {
			seen[r.Clients] = true
			out = append(out, r.Clients)
		}
	}
	sort.Ints(out)
	return out
}

// values returns the means of v in the order of servers.
func values(v map[string][]float64) []float64 {
	out := make([]float64, len(servers))
	for i, s := range servers {
		out[i] = mean(v[s])
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func each(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, " / ")
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func idleSection(b *strings.Builder, recs []record, dir string) {
	counts := clientCounts(recs, "idle")
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Idle WebSocket connections: server RSS per connection\n\n")
	fmt.Fprintf(b, "VmRSS of the server process after all clients connected and a few seconds passed, divided by the clients (in brackets: (RSS − RSS before connecting) / clients). Lower is better; the ratio is ours / Node's.\n\n")
	bh, bs := beforeHead("KiB/conn")
	fmt.Fprintf(b, "| clients | kinrt KiB/conn | node KiB/conn | ratio | kinrt runs | node runs |%s\n|---|---|---|---|---|---|%s\n", bh, bs)
	var bars []bar
	for _, n := range counts {
		v := map[string][]float64{}
		d := map[string][]float64{}
		for _, s := range servers {
			for _, r := range pick[load.IdleResult](recs, "idle", s, n) {
				v[s] = append(v[s], r.PerConnKiB)
				d[s] = append(d[s], r.DeltaConnKiB)
			}
		}
		fmt.Fprintf(b, "| %d | %.1f (%.1f) | %.1f (%.1f) | %s | %s | %s |%s\n", n,
			mean(v["kinrt"]), mean(d["kinrt"]), mean(v["node"]), mean(d["node"]),
			ratio(mean(v["kinrt"]), mean(v["node"])), each(v["kinrt"], "%.1f"), each(v["node"], "%.1f"), beforeCols(v, "%.1f"))
		bars = append(bars, bar{label: fmt.Sprintf("%d conns", n), values: values(v)})
	}
	fmt.Fprintf(b, "\n![idle](idle.svg)\n\n")
	writeSVG(filepath.Join(dir, "idle.svg"), barChart("Idle: server RSS per connection (KiB, lower is better)", bars))
}

func echoSection(b *strings.Builder, recs []record, dir string) {
	counts := clientCounts(recs, "echo")
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Echo with ack, closed loop\n\n")
	fmt.Fprintf(b, "Each client sends `bench:echo` with an ack and the next one when the ack arrives. The ratio is ours / Node's round trips/s.\n\n")
	bh, bs := beforeHead("rt/s")
	fmt.Fprintf(b, "| clients | kinrt rt/s | node rt/s | ratio | kinrt p50 / p99 ms | node p50 / p99 ms | kinrt runs | node runs | kinrt / node CPU µs per rt |%s\n|---|---|---|---|---|---|---|---|---|%s\n", bh, bs)
	var bars []bar
	for _, n := range counts {
		rt, p50, p99, cpu := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
		for _, s := range servers {
			for _, r := range pick[load.EchoResult](recs, "echo", s, n) {
				cpu[s] = append(cpu[s], r.ServerCPUus)
				rt[s] = append(rt[s], r.PerSec)
				p50[s] = append(p50[s], r.P50ms)
				p99[s] = append(p99[s], r.P99ms)
			}
		}
		fmt.Fprintf(b, "| %d | %.0f | %.0f | %s | %.2f / %.2f | %.2f / %.2f | %s | %s | %.1f / %.1f |%s\n", n,
			mean(rt["kinrt"]), mean(rt["node"]), ratio(mean(rt["kinrt"]), mean(rt["node"])),
			mean(p50["kinrt"]), mean(p99["kinrt"]), mean(p50["node"]), mean(p99["node"]),
			each(rt["kinrt"], "%.0f"), each(rt["node"], "%.0f"), mean(cpu["kinrt"]), mean(cpu["node"]), beforeCols(rt, "%.0f"))
		bars = append(bars, bar{label: fmt.Sprintf("%d clients", n), values: values(rt)})
	}
	fmt.Fprintf(b, "\n![echo](echo.svg)\n\n")
	writeSVG(filepath.Join(dir, "echo.svg"), barChart("Echo: round trips/s (higher is better)", bars))
}

func fanoutSection(b *strings.Builder, recs []record, dir string) {
	counts := clientCounts(recs, "fanout")
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Fan-out to one room\n\n")
	fmt.Fprintf(b, "A controller client asks for broadcasts to the room at a rate that grows by steps until the p99 latency (from the timestamp in the payload to its arrival) passes the bound or a delivery is missing. The table gives the highest deliveries/s of a step within the bound; the ratio is ours / Node's.\n\n")
	bh, bs := beforeHead("deliveries/s")
	fmt.Fprintf(b, "| clients | p99 bound | kinrt deliveries/s | node deliveries/s | ratio | kinrt p99 ms | node p99 ms | kinrt runs | node runs | kinrt / node CPU µs per delivery |%s\n|---|---|---|---|---|---|---|---|---|---|%s\n", bh, bs)
	type single struct{ p99 map[string][]float64 }
	singles := map[int]single{}
	for _, n := range counts {
		best, p99, cpu := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
		var bound float64
		var series []series
		sg := single{p99: map[string][]float64{}}
		for _, s := range servers {
			for i, r := range pick[load.FanoutResult](recs, "fanout", s, n) {
				best[s] = append(best[s], r.Best)
				for _, st := range r.Steps { // the server's CPU at its best step
					if st.WithinBound && st.Deliveries == r.Best {
						cpu[s] = append(cpu[s], st.ServerCPUus)
					}
				}
				p99[s] = append(p99[s], r.BestP99ms)
				bound = r.BoundMs
				var pts [][2]float64
				for _, st := range r.Steps {
					pts = append(pts, [2]float64{st.Rate * float64(n), st.P99ms})
				}
				series = append(series, seriesOf(fmt.Sprintf("%s run %d", s, i+1), s, pts))
				if r.Single != nil {
					sg.p99[s] = append(sg.p99[s], r.Single.P99ms)
				}
			}
		}
		if len(sg.p99) > 0 {
			singles[n] = sg
		}
		fmt.Fprintf(b, "| %d | %.0f ms | %.0f | %.0f | %s | %.1f | %.1f | %s | %s | %.2f / %.2f |%s\n", n, bound,
			mean(best["kinrt"]), mean(best["node"]), ratio(mean(best["kinrt"]), mean(best["node"])),
			mean(p99["kinrt"]), mean(p99["node"]), each(best["kinrt"], "%.0f"), each(best["node"], "%.0f"),
			mean(cpu["kinrt"]), mean(cpu["node"]), beforeCols(best, "%.0f"))
		name := fmt.Sprintf("fanout-%d.svg", n)
		writeSVG(filepath.Join(dir, name), lineChart(fmt.Sprintf("Fan-out to %d clients: p99 latency (ms) against offered deliveries/s", n), series, bound))
		defer fmt.Fprintf(b, "![fan-out to %d](%s)\n\n", n, name)
	}
	fmt.Fprintf(b, "\n")
	if len(singles) > 0 {
		fmt.Fprintf(b, "One broadcast per second (latency of a whole broadcast to every client):\n\n")
		bh, bs := beforeHead("p99 ms")
		fmt.Fprintf(b, "| clients | kinrt p99 ms | node p99 ms | ratio | kinrt runs | node runs |%s\n|---|---|---|---|---|---|%s\n", bh, bs)
		for _, n := range counts {
			sg, ok := singles[n]
			if !ok {
				continue
			}
			k, nd := sg.p99["kinrt"], sg.p99["node"]
			fmt.Fprintf(b, "| %d | %.1f | %.1f | %s | %s | %s |%s\n", n, mean(k), mean(nd), ratio(mean(k), mean(nd)), each(k, "%.1f"), each(nd, "%.1f"), beforeCols(sg.p99, "%.1f"))
		}
		fmt.Fprintf(b, "\n")
	}
	fmt.Fprintf(b, "Every step of every run (deliveries/s offered → p99 ms (server CPU µs per delivery), missing):\n\n")
	for _, n := range counts {
		for _, s := range servers {
			for i, r := range pick[load.FanoutResult](recs, "fanout", s, n) {
				var parts []string
				for _, st := range r.Steps {
					mark := ""
					if st.Missing > 0 {
						mark = fmt.Sprintf(", %d missing", st.Missing)
					}
					parts = append(parts, fmt.Sprintf("%.0fk → %.1f (%.1f µs)%s", st.Rate*float64(n)/1000, st.P99ms, st.ServerCPUus, mark))
				}
				fmt.Fprintf(b, "- %d clients, %s run %d: %s\n", n, s, i+1, strings.Join(parts, "; "))
			}
		}
	}
	fmt.Fprintf(b, "\n")
}

func errorsSection(b *strings.Builder, recs []record) {
	var errs []string
	for _, r := range recs {
		if r.Error != "" {
			errs = append(errs, fmt.Sprintf("- %s, %s, %d clients, run %d: %s", r.Scenario, r.Server, r.Clients, r.Rep, r.Error))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(b, "## Failed runs\n\n%s\n\n", strings.Join(errs, "\n"))
	}
}

// targetsSection compares the run with the targets of issue 8.
func targetsSection(b *strings.Builder, recs []record) {
	var rows []string
	row := func(target, measured string, met bool) {
		mark := "not met"
		if met {
			mark = "met"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s |", target, measured, mark))
	}
	fan := func(n int) (k, nd float64) {
		var kk, nn []float64
		for _, r := range pick[load.FanoutResult](recs, "fanout", "kinrt", n) {
			kk = append(kk, r.Best)
		}
		for _, r := range pick[load.FanoutResult](recs, "fanout", "node", n) {
			nn = append(nn, r.Best)
		}
		return mean(kk), mean(nn)
	}
	for _, n := range []int{1000, 10000} {
		if k, nd := fan(n); k > 0 {
			row(fmt.Sprintf("fan-out to %d: ≥ 4× Node's deliveries/s within the bound", n),
				fmt.Sprintf("%.0f vs %.0f: %s", k, nd, ratio(k, nd)), nd > 0 && k >= 4*nd)
		}
	}
	var ks, ns []float64
	for _, r := range pick[load.FanoutResult](recs, "fanout", "kinrt", 10000) {
		if r.Single != nil {
			ks = append(ks, r.Single.P99ms)
		}
	}
	for _, r := range pick[load.FanoutResult](recs, "fanout", "node", 10000) {
		if r.Single != nil {
			ns = append(ns, r.Single.P99ms)
		}
	}
	if len(ks) > 0 && len(ns) > 0 {
		row("one broadcast/s to 10,000: p99 ≤ 0.6× Node's", fmt.Sprintf("%.0f ms vs %.0f ms: %s", mean(ks), mean(ns), ratio(mean(ks), mean(ns))), mean(ks) <= 0.6*mean(ns))
	}
	var ke, ne, kp, np []float64
	for _, r := range pick[load.EchoResult](recs, "echo", "kinrt", 100) {
		ke, kp = append(ke, r.PerSec), append(kp, r.P99ms)
	}
	for _, r := range pick[load.EchoResult](recs, "echo", "node", 100) {
		ne, np = append(ne, r.PerSec), append(np, r.P99ms)
	}
	if len(ke) > 0 && len(ne) > 0 {
		row("echo, 100 clients: ≥ 2× Node's round trips/s at ≤ Node's p99",
			fmt.Sprintf("%.0f vs %.0f rt/s: %s; p99 %.0f vs %.0f ms", mean(ke), mean(ne), ratio(mean(ke), mean(ne)), mean(kp), mean(np)),
			mean(ke) >= 2*mean(ne) && mean(kp) <= mean(np))
	}
	for _, n := range clientCounts(recs, "idle") {
		var k, nd []float64
		for _, r := range pick[load.IdleResult](recs, "idle", "kinrt", n) {
			k = append(k, r.PerConnKiB)
		}
		for _, r := range pick[load.IdleResult](recs, "idle", "node", n) {
			nd = append(nd, r.PerConnKiB)
		}
		if len(k) > 0 && len(nd) > 0 {
			row(fmt.Sprintf("idle at %d: RSS/conn ≤ 0.6× Node's", n), fmt.Sprintf("%.1f vs %.1f KiB: %s", mean(k), mean(nd), ratio(mean(k), mean(nd))), mean(k) <= 0.6*mean(nd))
		}
	}
	if ws := pick[load.WebhookResult](recs, "webhook", "kinrt", 10000); len(ws) > 0 {
		var p99, missing, failed, best []float64
		for _, r := range ws {
			best = append(best, r.BestRate)
			for _, st := range r.Steps {
				if st.Rate == 200 {
					p99, missing, failed = append(p99, st.P99ms), append(missing, float64(st.Missing)), append(failed, float64(st.Failed))
				}
			}
		}
		measured := "no step at 200 webhooks/s"
		if len(p99) > 0 {
			measured = fmt.Sprintf("at 200/s: p99 %s ms, %s deliveries missing, %s webhooks failed", each(p99, "%.0f"), each(missing, "%.0f"), each(failed, "%.0f"))
		}
		measured += fmt.Sprintf("; highest rate within the bound: %s webhooks/s (ours only)", each(best, "%.0f"))
		row("webhook to browser, 10,000 clients, 200 webhooks/s: every event delivered, p99 < 150 ms", measured,
			len(p99) > 0 && mean(p99) < 150 && mean(missing) == 0 && mean(failed) == 0)
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "## Targets of issue 8 in this run\n\n| target | measured (ours vs Node) | |\n|---|---|---|\n%s\n\n", strings.Join(rows, "\n"))
}

func webhookSection(b *strings.Builder, recs []record, dir string) {
	counts := clientCounts(recs, "webhook")
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Webhook to browser (kinrt serve)\n\n")
	fmt.Fprintf(b, "`kinrt serve` (cmd/kinrt, SQLite in a fresh temporary directory, the rate and connection limits off) with the clients connected as KIN users (session tokens minted with the server's secret) spread over 5 departments, then signed Twilio SMS webhooks to the numbers of random departments at rates that grow by steps. Each webhook's `message_received` and `conversation_updated` must reach every client of its department; the latency runs from the webhook's sending to the event's arrival (matched by messageSid, and by the body in the conversation's preview). Ours only: there is no Node counterpart. Expected deliveries/s = webhooks/s × 2 events × clients per department. A step is within the bound when its p99 is under it and nothing is missing or failed.\n\n")
	fmt.Fprintf(b, "| clients | webhooks/s | expected deliveries/s | received deliveries/s | p50 / p99 ms | missing | failed webhooks | webhook answer p50 / p99 ms | server / load CPU µs per delivery | run |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var bars []bar
	for _, n := range counts {
		rs := pick[load.WebhookResult](recs, "webhook", "kinrt", n)
		var best []float64
		for i, r := range rs {
			best = append(best, r.BestRate)
			for _, st := range r.Steps {
				fmt.Fprintf(b, "| %d | %.0f | %.0f | %.0f | %.1f / %.1f | %d | %d | %.1f / %.1f | %.2f / %.2f | %d (bound %.0f ms, connect %.0f s) |\n", n,
					st.Rate, float64(st.Expected)/float64(max(st.Webhooks, 1))*st.Rate, st.Deliveries, st.P50ms, st.P99ms,
					st.Missing, st.Failed, st.HTTPP50ms, st.HTTPP99ms, st.ServerCPUus, st.LoadCPUus, i+1, r.BoundMs, r.ConnectSecs)
			}
		}
		if len(rs) > 0 {
			vals := make([]float64, len(servers))
			vals[0] = mean(best)
			bars = append(bars, bar{label: fmt.Sprintf("%d clients", n), values: vals})
		}
	}
	fmt.Fprintf(b, "\n![webhook](webhook.svg)\n\n")
	writeSVG(filepath.Join(dir, "webhook.svg"), barChart("Webhook to browser: highest webhooks/s with p99 within the bound (ours only)", bars))
}

// stormSection tabulates the connection storm (bench/load -scenario storm).
func stormSection(b *strings.Builder, recs []record) {
	counts := clientCounts(recs, "storm")
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "## Connection storm (kinrt serve)\n\n")
	fmt.Fprintf(b, "`kinrt serve` (as for the webhook scenario) and CLIENTS users of 5 departments dialing at once (64 handshakes in flight), after one observer per department and one admin observer that load `GET /api/presence` and apply the `user_presence_updated` events (single and batched) by version. *connected*: until every CONNECT was answered (rooms are joined before); *settled*: until every observer also saw every user of its scope online. Then the server is killed and restarted (bench/serve-kinrt) and everyone reconnects at once. Deliveries: the growth of `kinrt_deliveries_total` (admin listener). Target (issue 19): settled in ≤ 3 s, nothing leaked across departments.\n\n")
	fmt.Fprintf(b, "| clients | phase | connected s | settled s | presence events received | deliveries | presence MB | server CPU s | leaked | within target | run |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range counts {
		for i, r := range pick[load.StormResult](recs, "storm", "kinrt", n) {
			phases := []struct {
				name string
				ph   *load.StormPhase
			}{{"storm", &r.Storm}, {"after a restart", r.Restart}}
			for _, p := range phases {
				if p.ph == nil {
					continue
				}
				fmt.Fprintf(b, "| %d | %s | %.2f | %.2f | %d | %.0f | %.0f | %.2f | %d | %v | %d |\n", n, p.name,
					p.ph.ConnectSecs, p.ph.SettledSecs, p.ph.PresenceEvents, p.ph.Deliveries, float64(p.ph.PresenceBytes)/1e6,
					p.ph.ServerCPUSecs, p.ph.Leaked, p.ph.WithinTarget, i+1)
			}
		}
	}
	fmt.Fprintf(b, "\n")
}
