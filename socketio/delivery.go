package socketio

import "github.com/kin-comms/kinrt/engineio"

// Timing broadcasts (Options.DeliveryLatency): Emit stamps the options of
// the broadcast with the time it began; the adapter's delivery on each
// node stamps one broadcast in DeliverySample (its first message, with the
// Emit's time, or the delivery's for a broadcast from another node), and
// the engine reports the stamp of each connection's write that carried it.
// Without DeliveryLatency none of this reads a clock or allocates.

// stamped returns the options of a broadcast that begins now: b's own, or
// under DeliveryLatency a copy stamped with the time.
func (b *BroadcastOperator) stamped() *BroadcastOptions {
	if b.nsp.server.opts.DeliveryLatency == nil {
		return &b.opts
	}
	o := b.opts
	o.stamp = engineio.NewStamp()
	return &o
}

// sampleDelivery stamps the first of msgs, the encoded packet of a
// broadcast that opts describes, when it is the one in DeliverySample to
// be timed.
func (s *Server) sampleDelivery(msgs []engineio.Message, opts *BroadcastOptions) {
	if len(msgs) == 0 || s.delivered.Add(1)%uint64(s.opts.DeliverySample) != 0 {
		return
	}
	st := opts.stamp
	if st == 0 {
		st = engineio.NewStamp()
	}
	msgs[0].Stamp = st
}
