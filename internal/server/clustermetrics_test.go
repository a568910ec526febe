package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
)

// TestDeliveryLatencyMetric: events published by webhooks are timed to
// their write to the agent's socket (one broadcast in 4):
// kinrt_event_delivery_latency_seconds counts them, each within the time
// the test took.
func TestDeliveryLatencyMetric(t *testing.T) {
	t.Parallel()
	srv, hs, tw := webhookServer(t, "")
	tok, _ := srv.Verifier().Mint(auth.Principal{UserID: "sally", Role: "agent", Department: "sales"}, time.Hour)
	sock := dialRaw(t, hs.URL, nil)
	if _, ok := sock.connect(map[string]string{"token": tok}); !ok {
		t.Fatal("socket refused")
	}
	start := time.Now()
	var count float64
	for i := 0; i < 8 && count == 0; i++ { // 8 webhooks publish 8 broadcasts at least
		sms := form("MessageSid", fmt.Sprintf("SMlatency%d", i), "From", customer, "To", salesNumber, "Body", "hi", "NumMedia", "0")
		if status, body := tw.post("/api/webhooks/twilio/sms", sms); status != http.StatusOK {
			t.Fatalf("webhook: %d %s", status, body)
		}
		for name, _, _ := sock.event(); name != "message_received"; name, _, _ = sock.event() {
		}
		deadline := time.Now().Add(time.Second) // the observation follows the write
		for {
			h := families(t, srv)["kinrt_event_delivery_latency_seconds"].GetMetric()[0].GetHistogram()
			if count = float64(h.GetSampleCount()); count > 0 {
				if mean := h.GetSampleSum() / count; mean <= 0 || mean > time.Since(start).Seconds() {
					t.Errorf("mean delivery latency %vs, not within the %v the test took", mean, time.Since(start))
				}
				break
			}
			if time.Now().After(deadline) {
				break // not sampled: the next webhook
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if count == 0 {
		t.Fatal("kinrt_event_delivery_latency_seconds counted no delivery of 8 webhooks' events")
	}
}

// TestClusterStatsMetrics: a cluster node exports its adapter's link
// (kinrt_cluster_*), on Redis and on PostgreSQL alike: an empty publish
// queue of the default capacity, nothing dropped or failed, no reconnect;
// a single node exports none of them.
func TestClusterStatsMetrics(t *testing.T) {
	t.Parallel()
	eachClusterBackend(t, func(t *testing.T, b clusterBackend) {
		clustered := startClusterOn(t, b, 1, nil)[0].srv
		mf := families(t, clustered)
		for _, tt := range []struct {
			name string
			want float64
		}{
			{"kinrt_cluster_publish_queue", 0},
			{"kinrt_cluster_publish_queue_capacity", 8192},
			{"kinrt_cluster_publish_dropped_total", 0},
			{"kinrt_cluster_publish_failed_total", 0},
			{"kinrt_cluster_subscriber_reconnects_total", 0},
		} {
			if got, ok := series(t, mf, tt.name, nil); !ok || got != tt.want {
				t.Errorf("%s = %v (found %v), want %v", tt.name, got, ok, tt.want)
			}
		}
	})
	single, _ := startServer(t, nil)
	if _, ok := families(t, single)["kinrt_cluster_publish_queue"]; ok {
		t.Error("a single node exports kinrt_cluster_publish_queue")
	}
}
