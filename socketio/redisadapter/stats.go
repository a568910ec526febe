package redisadapter

// Stats are a node's counters of its link to Redis, for metrics: Node.Stats
// and ShardedNode.Stats return them. The counters count from the node's
// creation and never decrease.
type Stats struct {
	// PublishQueue is how many messages to the other nodes wait to be
	// published now; PublishQueueCap is how many may wait
	// (Options.PublishQueue, ShardedOptions.PublishQueue). A queue that
	// stays near its cap means Redis does not keep up.
	PublishQueue, PublishQueueCap int
	// PublishDropped counts the messages to the other nodes dropped
	// because the publish queue was full.
	PublishDropped int64
	// PublishFailed counts the messages Redis did not take: a PUBLISH (or
	// SPUBLISH) or a pipeline of them that failed, each of its messages
	// counted.
	PublishFailed int64
	// SubscriberReconnects counts the times a subscriber connection
	// answered again after it had failed (go-redis reconnects it and
	// subscribes again): a killed connection, a Redis restart, a network
	// cut that healed. A ShardedNode counts those of all its shards'
	// connections.
	SubscriberReconnects int64
}

// Stats returns the node's counters and the length of its publish queue.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	q := n.pubQ
	n.mu.Unlock()
	return Stats{
		PublishQueue:         len(q),
		PublishQueueCap:      n.opts.PublishQueue,
		PublishDropped:       n.droppedTotal.Load(),
		PublishFailed:        n.pubFailed.Load(),
		SubscriberReconnects: n.reconnects.Load(),
	}
}

// Stats returns the node's counters and the length of its publish queue.
func (n *ShardedNode) Stats() Stats {
	n.mu.Lock()
	q := n.pubQ
	n.mu.Unlock()
	return Stats{
		PublishQueue:         len(q),
		PublishQueueCap:      n.opts.PublishQueue,
		PublishDropped:       n.droppedTotal.Load(),
		PublishFailed:        n.pubFailed.Load(),
		SubscriberReconnects: n.subs.reconnects.Load(),
	}
}
