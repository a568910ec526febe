package engineio

import "time"

// Stamp marks a message with the moment it was published, to time its way
// to the client: a message sent with a non-zero Message.Stamp is reported
// to Options.OnStampWritten once the write that carries it to a
// connection has ended. It counts microseconds on a monotonic clock of
// the process and fits in the padding of a queued packet, so that stamps
// cost a connection's queue nothing. The zero Stamp stamps nothing.
//
// Stamps wrap after about 71 minutes: a time measured between two stamps
// is right up to 35 minutes, and reads 0 past that (no write waits that
// long: see Options.WriteTimeout).
type Stamp uint32

// stampEpoch is the origin of the stamps: a monotonic reading.
var stampEpoch = time.Now()

// NewStamp returns the Stamp of now (never zero).
func NewStamp() Stamp {
	s := Stamp(time.Since(stampEpoch) / time.Microsecond)
	if s == 0 {
		s = 1
	}
	return s
}

// Since returns the time from s to now: 0 for the zero Stamp.
func (s Stamp) Since() time.Duration {
	if s == 0 {
		return 0
	}
	return NewStamp().sub(s)
}

// sub returns the time from s to now, two stamps, 0 when s looks later
// (the stamps wrapped more than 35 minutes apart, or NewStamp's 1 for 0).
func (now Stamp) sub(s Stamp) time.Duration {
	d := uint32(now - s)
	if d > 1<<31 {
		return 0
	}
	return time.Duration(d) * time.Microsecond
}

// observeStamps reports the stamped messages among frames, which have just
// been written, to OnStampWritten: one clock reading for the write.
func (s *Server) observeStamps(frames []frame) {
	fn := s.opts.OnStampWritten
	if fn == nil {
		return
	}
	var now Stamp
	for i := range frames {
		if st := frames[i].stamp; st != 0 {
			if now == 0 {
				now = NewStamp()
			}
			fn(now.sub(st))
		}
	}
}
