package server

import (
	"github.com/kin-comms/kinrt/socketio/redisadapter"
	"github.com/prometheus/client_golang/prometheus"
)

// clusterCollector exports the counters of the cluster adapter's link
// (Redis or PostgreSQL: cluster.linkStats), read once a scrape:
// kinrt_cluster_*.
type clusterCollector struct{ stats func() redisadapter.Stats }

var (
	publishQueueDesc = prometheus.NewDesc("kinrt_cluster_publish_queue",
		"Messages to the other nodes waiting to be published to the link (Redis, or PostgreSQL with KIN_CLUSTER=postgres).", nil, nil)
	publishQueueCapDesc = prometheus.NewDesc("kinrt_cluster_publish_queue_capacity",
		"How many messages to the other nodes may wait for the link; past it they are dropped.", nil, nil)
	publishDroppedDesc = prometheus.NewDesc("kinrt_cluster_publish_dropped_total",
		"Messages to the other nodes dropped because the publish queue was full.", nil, nil)
	publishFailedDesc = prometheus.NewDesc("kinrt_cluster_publish_failed_total",
		"Messages to the other nodes that the link did not take (a failed PUBLISH, SPUBLISH or NOTIFY).", nil, nil)
	subscriberReconnectsDesc = prometheus.NewDesc("kinrt_cluster_subscriber_reconnects_total",
		"Times a subscriber (Redis) or listening (PostgreSQL) connection of the cluster adapter answered again after failing (a killed connection, a restart).", nil, nil)
)

// Describe sends the descriptions.
func (clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{publishQueueDesc, publishQueueCapDesc, publishDroppedDesc, publishFailedDesc, subscriberReconnectsDesc} {
		ch <- d
	}
}

// Collect reads the adapter's stats and sends them.
func (c clusterCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(publishQueueDesc, prometheus.GaugeValue, float64(st.PublishQueue))
	ch <- prometheus.MustNewConstMetric(publishQueueCapDesc, prometheus.GaugeValue, float64(st.PublishQueueCap))
	ch <- prometheus.MustNewConstMetric(publishDroppedDesc, prometheus.CounterValue, float64(st.PublishDropped))
	ch <- prometheus.MustNewConstMetric(publishFailedDesc, prometheus.CounterValue, float64(st.PublishFailed))
	ch <- prometheus.MustNewConstMetric(subscriberReconnectsDesc, prometheus.CounterValue, float64(st.SubscriberReconnects))
}
