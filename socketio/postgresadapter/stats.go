package postgresadapter

// Stats are a node's counters of its link to PostgreSQL, for metrics.
type Stats struct {
	// PublishQueue is how many messages to the other nodes wait to be
	// sent now; PublishQueueCap is how many may wait
	// (Options.PublishQueue). A queue that stays near its cap means
	// PostgreSQL does not keep up.
	PublishQueue, PublishQueueCap int
	// PublishDropped counts the messages to the other nodes dropped
	// because the publish queue was full.
	PublishDropped int64
	// PublishFailed counts the messages PostgreSQL did not take: each
	// message of a round trip that failed.
	PublishFailed int64
	// ListenerReconnects counts the times the listening connection was
	// taken again, and listened, after it had failed (a killed backend,
	// a PostgreSQL restart, a network cut that healed).
	ListenerReconnects int64
}

// Stats returns the node's counters and the length of its publish queue.
func (n *Node) Stats() Stats {
	return Stats{
		PublishQueue:       len(n.pubQ),
		PublishQueueCap:    cap(n.pubQ),
		PublishDropped:     n.droppedTotal.Load(),
		PublishFailed:      n.failedTotal.Load(),
		ListenerReconnects: n.relistens.Load(),
	}
}
