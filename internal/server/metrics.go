package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kin-comms/kinrt/internal/buildinfo"
	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/socketio"
)

// metrics are the service's Prometheus metrics, on a registry of its own.
type metrics struct {
	registry     *prometheus.Registry
	events       *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	disconnects  *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	// activityDropped counts the activity entries the activity writer
	// dropped: its queue was full, or it had closed.
	activityDropped prometheus.Counter

	// httpRequests and httpDuration count and time the HTTP requests
	// but Engine.IO's, by route pattern and status class; webhookDuration
	// times the webhooks' by route; storeTx the store's transactions
	// (Store.WithTx), by result.
	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
	webhookDuration *prometheus.HistogramVec
	storeTx         *prometheus.HistogramVec

	// deliveryLatency times sampled events from their publication (the
	// broadcast's Emit here, or their receipt from another node) to the
	// end of the write to each client's connection
	// (socketio.Options.DeliveryLatency).
	deliveryLatency prometheus.Histogram
}

// latencyBuckets are the bounds (seconds) of the HTTP and webhook
// histograms: 5 ms to 10 s, Prometheus's defaults.
var latencyBuckets = prometheus.DefBuckets

// storeBuckets are the bounds (seconds) of the store's transaction times:
// 0.5 ms to 5 s.
var storeBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// deliveryBuckets are the bounds (seconds) of the events' delivery
// latency: 100 µs (a local write) to 10 s (the engine's write timeout).
var deliveryBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// deliverySample is how many broadcasts there are for one timed in
// kinrt_event_delivery_latency_seconds (socketio.Options.DeliverySample).
const deliverySample = 4

func newMetrics(io *socketio.Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_events_emitted_total", Help: "Events emitted, by type.",
		}, []string{"type"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_deliveries_total", Help: "Packets queued for sockets by broadcasts, by namespace.",
		}, []string{"namespace"}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_disconnects_total", Help: "Socket disconnects, by reason (\"slow consumer\" counts slow consumers).",
		}, []string{"reason"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_auth_failures_total", Help: "Refused authentications, by transport (socket or api).",
		}, []string{"via"}),
		activityDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kinrt_activity_dropped_total", Help: "Activity log entries dropped: the writer's queue was full (or closed).",
		}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_http_requests_total",
			Help: "HTTP requests answered (Engine.IO's excepted), by route pattern and status class (2xx…5xx).",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kinrt_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request (Engine.IO's excepted), by route pattern and status class.",
			Buckets: latencyBuckets,
		}, []string{"route", "code"}),
		webhookDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kinrt_webhook_duration_seconds",
			Help:    "Time to handle a Twilio or TaskRouter webhook (signature, store, emit), by route pattern.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kinrt_store_transaction_duration_seconds",
			Help:    "Time of the store's transactions (webhooks' writes, activity batches), retries included, by result (ok or error).",
			Buckets: storeBuckets,
		}, []string{"result"}),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kinrt_event_delivery_latency_seconds",
			Help: fmt.Sprintf("Time from an event's publication to the end of its write to a client's connection, once per connection, for one broadcast in %d: ", deliverySample) +
				"from the broadcast on the node that published it (the Redis round trip included with recovery on), from its receipt on the others.",
			Buckets: deliveryBuckets,
		}),
	}
	build := buildinfo.Read()
	nsp := io.Of("/")
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.events, m.deliveries, m.disconnects, m.authFailures, m.activityDropped,
		m.httpRequests, m.httpDuration, m.webhookDuration, m.storeTx, m.deliveryLatency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kinrt_build_info", Help: "Always 1: the version, Go version and VCS revision of the running binary.",
			ConstLabels: prometheus.Labels{"version": build.Version, "goversion": build.GoVersion, "revision": build.Revision},
		}, func() float64 { return 1 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kinrt_connections", Help: "Open Engine.IO connections.",
		}, func() float64 { return float64(io.Engine().Len()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kinrt_slow_consumer_disconnects_total", Help: "Connections closed because the client did not read fast enough.",
		}, func() float64 { return float64(io.Engine().SlowConsumers()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kinrt_websocket_writes_total", Help: "Writes to WebSocket connections; each carries what the connection had queued.",
		}, func() float64 { w, _ := io.Engine().WebSocketWrites(); return float64(w) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kinrt_websocket_frames_written_total", Help: "WebSocket frames written; divided by kinrt_websocket_writes_total, how much the writes coalesce.",
		}, func() float64 { _, f := io.Engine().WebSocketWrites(); return float64(f) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kinrt_recoveries_total", Help: "Reconnections that asked to recover their session, by result.", ConstLabels: prometheus.Labels{"result": "recovered"},
		}, func() float64 { r, _ := io.Recoveries(); return float64(r) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kinrt_recoveries_total", Help: "Reconnections that asked to recover their session, by result.", ConstLabels: prometheus.Labels{"result": "refused"},
		}, func() float64 { _, r := io.Recoveries(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kinrt_sockets", Help: "Connected sockets.", ConstLabels: prometheus.Labels{"namespace": "/"},
		}, func() float64 { return float64(nsp.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kinrt_rooms", Help: "Rooms with sockets on this node, own rooms included.", ConstLabels: prometheus.Labels{"namespace": "/"},
		}, func() float64 {
			if a, ok := nsp.Adapter().(interface{ Len() int }); ok {
				return float64(a.Len())
			}
			return 0
		}),
	)
	return m
}

// instrument registers the metrics that read the server (readiness, the
// store's and the cluster's links) and times the store's transactions:
// New calls it once the metrics, store and cluster exist, before anything
// holds s.store.
func (s *Server) instrument() {
	s.store = timedStore{Store: s.store, tx: s.metrics.storeTx}
	s.metrics.registry.MustRegister(healthCollector{s})
	if s.cluster == nil {
		return
	}
	s.metrics.registry.MustRegister(s.cluster.collectors()...)
}

// healthCollector exports kinrt_store_up and kinrt_ready, pinging the
// store once a scrape for both.
type healthCollector struct{ s *Server }

var (
	readyDesc = prometheus.NewDesc("kinrt_ready",
		"1 when the node is ready (what /readyz answers 200: not draining, store answering, cluster joined), else 0.", nil, nil)
	storeUpDesc = prometheus.NewDesc("kinrt_store_up",
		"1 when the database answered a ping at this scrape (within 2 s), else 0.", nil, nil)
)

// Describe sends the two descriptions.
func (healthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- readyDesc; ch <- storeUpDesc }

// Collect pings the store and sends both gauges.
func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	ready, storeUp := c.s.readiness(context.Background())
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, boolValue(storeUp))
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, boolValue(ready))
}

// isReady is what /readyz answers: the node is not draining, its cluster
// link is up and its store answers (within 2 s).
func (s *Server) isReady(ctx context.Context) bool {
	ready, _ := s.readiness(ctx)
	return ready
}

// readiness returns isReady's answer, and whether the store answered a
// ping within 2 s.
func (s *Server) readiness(ctx context.Context) (ready, storeUp bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	storeUp = s.store.Ping(ctx) == nil
	return storeUp && s.ready.Load() && s.cluster.ready(), storeUp
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// observeHTTP records an answered request in the HTTP metrics, and a
// webhook's in the webhook histogram.
func (m *metrics) observeHTTP(route string, status int, elapsed time.Duration) {
	code := statusClass(status)
	sec := elapsed.Seconds()
	m.httpRequests.WithLabelValues(route, code).Inc()
	m.httpDuration.WithLabelValues(route, code).Observe(sec)
	if strings.HasPrefix(route, "POST /api/webhooks/") {
		m.webhookDuration.WithLabelValues(route).Observe(sec)
	}
}

// statusClasses are the code labels: a status's hundreds.
var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// statusClass returns "2xx" for 204, "5xx" for 503…; "other" outside
// 100-599.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return statusClasses[status/100-1]
}

// timedStore is the service's store, its transactions timed.
type timedStore struct {
	store.Store
	tx *prometheus.HistogramVec
}

// WithTx runs the transaction and records its time and result.
func (s timedStore) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	start := time.Now()
	err := s.Store.WithTx(ctx, fn)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.tx.WithLabelValues(result).Observe(time.Since(start).Seconds())
	return err
}
