package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/twilio/twiliofake"
)

// The fake Twilio account of demo mode. Its REST API runs in the process,
// on a loopback listener of its own, only with --demo.
var (
	DemoAccountSID   = twiliofake.SID("AC", 0xde70)
	DemoWorkspaceSID = twiliofake.SID("WS", 0xde70)
	// The demo workspace's activities.
	DemoActivityAvailable = twiliofake.SID("WA", 0xde71)
	DemoActivityBusy      = twiliofake.SID("WA", 0xde72)
	DemoActivityBreak     = twiliofake.SID("WA", 0xde73)
	DemoActivityOffline   = twiliofake.SID("WA", 0xde74)
)

// demoActivities are the demo workspace's activities.
var demoActivities = map[string]twiliofake.Activity{
	DemoActivityAvailable: {Name: "Available", Available: true},
	DemoActivityBusy:      {Name: "Busy"},
	DemoActivityBreak:     {Name: "Break"},
	DemoActivityOffline:   {Name: "Offline"},
}

// DemoWorkers are the TaskRouter workers of the demo's agents, Available
// at the start but for the last, who is on a break.
func DemoWorkers() []twiliofake.Worker {
	var ws []twiliofake.Worker
	for i, u := range DemoUsers {
		if u.Role == events.RoleAgent {
			ws = append(ws, twiliofake.Worker{SID: fmt.Sprintf("WKdemo%02d", i), Name: u.Name, UserID: u.UserID, Department: u.Department, ActivitySID: DemoActivityAvailable})
		}
	}
	ws[len(ws)-1].ActivitySID = DemoActivityBreak
	return ws
}

// demoTwilio is demo mode's fake Twilio: its REST API on a loopback
// listener (the service's Twilio client is pointed there), its callbacks
// delivered to the service's own handler, in the process.
type demoTwilio struct {
	fake *twiliofake.Fake
	http *http.Server
	url  string
	// people is the simulated presence of the demo's agents.
	people *demoPeople
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

// startDemoTwilio starts the fake Twilio of demo mode and points the
// service's Twilio REST client at it. Called before the routes are made.
func (s *Server) startDemoTwilio() error {
	if s.cfg.TwilioAuthToken == "" {
		return errors.New("demo: no Twilio auth token")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: fake Twilio: %w", err)
	}
	base := s.cfg.PublicURL
	d := &demoTwilio{url: "http://" + ln.Addr().String(), people: newDemoPeople(s.presence)}
	d.fake = twiliofake.New(twiliofake.Config{
		AccountSID: DemoAccountSID, AuthToken: s.cfg.TwilioAuthToken, WorkspaceSID: DemoWorkspaceSID,
		Activities: demoActivities, AnyRecording: demoRecording, AnyRecordingType: "audio/wav",
		Client:           &http.Client{Transport: handlerTransport{s}, Timeout: 15 * time.Second},
		EventCallbackURL: base + "/api/webhooks/taskrouter",
		Workers:          DemoWorkers(), Strict: true,
		BusyActivity: DemoActivityBusy, AvailableActivity: DemoActivityAvailable, BreakActivity: DemoActivityBreak,
		ReservationTimeout: 40 * time.Second,
		TalkTime:           func() time.Duration { return time.Duration(20+mrand.IntN(40)) * time.Second },
		QueueTimeout:       3 * time.Minute,
		AutoAnswer:         func(w twiliofake.Worker) bool { return !s.hasSocket(w.UserID) },
		Log:                s.log,
	})
	d.http = &http.Server{Handler: d.fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.http.Serve(ln) }()
	s.cfg.TwilioAccountSID, s.cfg.WorkspaceSID, s.cfg.TwilioBaseURL = DemoAccountSID, DemoWorkspaceSID, d.url
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	s.demo = d
	if s.cfg.Simulate {
		d.fake.Announce()
		d.wg.Add(1)
		go func() { defer d.wg.Done(); s.demoPresence(ctx) }()
	}
	s.log.Info("demo: fake Twilio REST API on a loopback listener", "url", d.url)
	return nil
}

// close stops the fake Twilio.
func (d *demoTwilio) close() {
	if d == nil {
		return
	}
	d.stop()
	d.wg.Wait()
	_ = d.http.Close()
	d.fake.Close()
}

// DemoTwilio returns the base URL of demo mode's fake Twilio REST API, ""
// outside demo mode. The demo's simulated traffic creates its TaskRouter
// tasks there.
func (s *Server) DemoTwilio() string {
	if s.demo == nil {
		return ""
	}
	return s.demo.url
}

// hasSocket reports whether a person (a socket) is connected as userID on
// this node.
func (s *Server) hasSocket(userID string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	socks, err := s.io.Of("/").In(events.UserRoom(userID)).Local().FetchSockets(ctx)
	return err == nil && len(socks) > 0
}

// handlerTransport delivers the fake Twilio's callbacks to the service's
// handler in the process, as from a loopback client.
type handlerTransport struct{ s *Server }

// RoundTrip serves req with the service's handler.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.RemoteAddr = "127.0.0.1:1"
	req.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.s.Handler().ServeHTTP(rec, req)
	return rec.Result(), nil
}

// demoRecording is every voicemail's audio in demo mode: a WAV of three
// seconds, a two-tone chime repeated, 8 kHz 16-bit mono (48 kB).
var demoRecording = func() []byte {
	const rate, seconds = 8000, 3
	n := rate * seconds
	b := make([]byte, 44+2*n)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		t := float64(i) / rate
		phase := math.Mod(t, 1) // a chime each second: 660 Hz then 880 Hz
		var v float64
		switch {
		case phase < 0.25:
			v = math.Sin(2 * math.Pi * 660 * t)
		case phase < 0.5:
			v = math.Sin(2 * math.Pi * 880 * t)
		}
		env := math.Min(1, math.Min(phase*40, (0.5-math.Min(phase, 0.5))*40)) // no clicks
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(v*env*0.4*math.MaxInt16)))
	}
	return b
}()
