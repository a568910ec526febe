package engineio

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// servePoll answers a polling GET: with what is queued, or, when nothing
// is, as soon as something is (a ping comes at least every PingInterval).
//
// During an upgrade (the probe answered "3probe", the client's "5" not yet
// in) polling goes on as with the reference server: what is queued, or gets
// queued, is written on the GET, and a GET that has nothing to carry is
// released with a noop after upgradeHold so that the client can pause
// polling and send "5". Nothing is held back for the WebSocket while a GET
// can carry it.
func (c *Conn) servePoll(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.getActive {
		// Two GETs at once: the reference closes the session.
		c.mu.Unlock()
		errBadRequest.with("overlapping GET").write(w)
		c.terminate(ReasonTransportError)
		return
	}
	c.getActive = true
	// A GET that arrives after the probe was answered may have been sent
	// after the client's "5", still in flight on the WebSocket: if the
	// upgrade completes while it waits, it is refused (polling is over).
	late := c.probed
	var hold *time.Timer
	var holdC <-chan time.Time
	holdOver := false
	defer func() {
		if hold != nil {
			hold.Stop()
		}
	}()
	for {
		switch {
		case c.probed && hold == nil:
			hold = time.NewTimer(c.srv.opts.upgradeHold)
			holdC = hold.C
		case !c.probed && hold != nil: // the upgrade was abandoned
			hold.Stop()
			hold, holdC, holdOver = nil, nil, false
		}
		if late && c.transport != Polling {
			c.getActive = false
			c.mu.Unlock()
			errBadRequest.write(w)
			return
		}
		a, ok := c.pollAnswerLocked(holdOver)
		if ok {
			c.getActive = false
			reason, closed := c.closeReason, c.state == stateClosed
			c.mu.Unlock()
			c.writePoll(w, r, a.body, a.compressible)
			c.srv.observeStamps(a.sent)
			recycleQueue(a.sent, a.hold)
			if a.closeAfter {
				c.terminate(reason)
			}
			if closed {
				c.srv.remove(c) // the session's last answer
			}
			return
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
			c.mu.Lock()
		case <-holdC:
			c.mu.Lock()
			holdOver = true
		case <-r.Context().Done():
			c.mu.Lock()
			c.getActive = false
			c.mu.Unlock()
			c.terminate(ReasonTransportClose)
			return
		}
	}
}

// pollReply is what answers a waiting GET.
type pollReply struct {
	body         []byte
	compressible bool // one of its packets allows compression
	closeAfter   bool // the connection closes once it is written
	sent         []frame
	hold         *[]frame // sent's holder: recycleQueue(sent, hold) once written
}

// pollAnswerLocked returns the answer to a waiting GET now, if any.
// holdOver says the GET has waited upgradeHold during an upgrade.
func (c *Conn) pollAnswerLocked(holdOver bool) (a pollReply, ok bool) {
	switch {
	case c.state == stateClosed:
		return pollReply{body: c.single(packetType(c.pollClose))}, true
	case c.transport != Polling:
		// Upgraded while this GET waited: release it; what is queued goes
		// out on the WebSocket.
		return pollReply{body: c.single(packetNoop)}, true
	case len(c.queue) == 0:
		if c.probed && holdOver {
			// Upgrading and nothing to send: release the GET so that the
			// client can pause polling and complete the upgrade.
			return pollReply{body: c.single(packetNoop)}, true
		}
		return pollReply{}, false
	}
	frames, hold := c.takeLocked()
	a.hold = hold
	if last := len(frames) - 1; last > 0 && frames[last].typ == packetClose {
		// The close packet gets a GET of its own: socket.io-client handles
		// the messages of a payload asynchronously but a close packet at
		// once, so in one payload the close would overtake them (a
		// DISCONNECT would be reported as "transport close").
		c.pushLocked(frames[last])
		c.queued = 1
		frames = frames[:last]
	}
	a.sent = frames
	a.closeAfter = frames[len(frames)-1].typ == packetClose
	for _, f := range frames {
		a.compressible = a.compressible || !f.uncompressed
	}
	if c.eio3 {
		a.body = payload3(frames, c.b64)
		return a, true
	}
	n := 0
	for _, f := range frames {
		n += len(f.data)*4/3 + 4
	}
	a.body = make([]byte, 0, n)
	for _, f := range frames {
		a.body = appendPayloadFrame(a.body, f)
	}
	return a, true
}

// single is a payload of one packet without data.
func (c *Conn) single(t packetType) []byte {
	if c.eio3 {
		return single3(t)
	}
	return []byte{byte(t)}
}

// writePoll answers a GET with body, compressed when compressible and the
// client accepts it (over the threshold).
func (c *Conn) writePoll(w http.ResponseWriter, r *http.Request, body []byte, compressible bool) {
	h := w.Header()
	if c.eio3 && isBinaryPayload3(body) {
		h.Set("Content-Type", "application/octet-stream")
	} else {
		h.Set("Content-Type", "text/plain; charset=UTF-8")
	}
	h.Set("Cache-Control", "no-store")
	c.srv.hookHeaders(h, r, c.id)
	body = c.srv.compressPoll(h, r, body, compressible)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
	_, _ = w.Write(body)
}

// serveData takes a polling POST: a payload of one or more packets.
func (c *Conn) serveData(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.postActive {
		c.mu.Unlock()
		errBadRequest.with("overlapping POST").write(w)
		c.terminate(ReasonTransportError)
		return
	}
	c.postActive = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.postActive = false
		c.mu.Unlock()
	}()

	max := int64(c.srv.opts.MaxPayload)
	if r.ContentLength > max {
		writeTooLarge(w)
		return
	}
	body, err := readBody(w, r, max)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeTooLarge(w)
			return
		}
		errBadRequest.with("cannot read body").write(w)
		return
	}
	deliver := func(p packet) error { return c.deliver(p, r) }
	if c.eio3 {
		err = decodePayload3(body, strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream"), deliver)
	} else {
		err = decodePayload(body, deliver)
	}
	if err != nil && !errors.Is(err, ErrClosed) {
		c.srv.opts.Logger.Debug("engineio: bad payload", "sid", c.id, "err", err)
		errBadRequest.with("invalid payload").write(w)
		c.terminate(ReasonTransportError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Cache-Control", "no-store")
	c.srv.hookHeaders(h, r, c.id)
	_, _ = w.Write([]byte("ok"))
}

func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, max)
	if r.ContentLength > 0 {
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(rd, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(rd)
}

// writeTooLarge refuses a POST over MaxPayload as the reference server
// does: 413 with an empty body (clients check it; the session goes on).
func writeTooLarge(w http.ResponseWriter) {
	w.WriteHeader(http.StatusRequestEntityTooLarge)
}
