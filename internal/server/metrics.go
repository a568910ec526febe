package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

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
}

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
	}
	nsp := io.Of("/")
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.events, m.deliveries, m.disconnects, m.authFailures, m.activityDropped,
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
