// Package simulate sends realistic, correctly signed Twilio and TaskRouter
// webhook sequences to a KIN Realtime service: inbound calls answered or
// sent to voicemail, SMS conversations, TaskRouter offers and worker
// activity, with the duplicates and out-of-order deliveries Twilio really
// produces. The demo and the benchmarks use it.
package simulate

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/internal/twilio"
)

// Worker is a TaskRouter worker and the KIN user it is.
type Worker struct {
	SID, Name, UserID, Department string
}

// Config configures a Simulator.
type Config struct {
	// Target is where the service listens, such as http://127.0.0.1:3000.
	Target string
	// PublicURL is the URL the service believes Twilio calls (its
	// KIN_PUBLIC_URL): the signatures cover it. Default: Target.
	PublicURL string
	// AuthToken is the service's TWILIO_AUTH_TOKEN.
	AuthToken string
	// Numbers maps departments to our Twilio numbers.
	Numbers map[string]string
	// Workers are the TaskRouter workers offers go to.
	Workers []Worker
	// Client sends the requests. Default: a client with a 15 s timeout,
	// as Twilio's.
	Client *http.Client
	// DuplicateRate is the share of webhooks delivered twice (Twilio
	// retries). Default 0.1.
	DuplicateRate float64
}

// Simulator sends webhook sequences.
type Simulator struct {
	cfg Config
	rng *mrand.Rand
}

// New returns a Simulator.
func New(cfg Config) (*Simulator, error) {
	if cfg.Target == "" || cfg.AuthToken == "" || len(cfg.Numbers) == 0 {
		return nil, fmt.Errorf("simulate: target, auth token and numbers are required")
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = cfg.Target
	}
	cfg.Target = strings.TrimRight(cfg.Target, "/")
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.DuplicateRate == 0 {
		cfg.DuplicateRate = 0.1
	}
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	return &Simulator{cfg: cfg, rng: mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))}, nil
}

// Run sends one sequence every 1/rate seconds until ctx is done, and
// returns how many sequences it sent.
func (s *Simulator) Run(ctx context.Context, rate float64) (int, error) {
	if rate <= 0 {
		rate = 0.25
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	sent := 0
	for {
		if err := s.Sequence(ctx); err != nil && ctx.Err() == nil {
			return sent, err
		}
		sent++
		select {
		case <-ctx.Done():
			return sent, nil
		case <-tick.C:
		}
	}
}

// step is one webhook of a sequence.
type step struct {
	path string
	form url.Values
}

// Sequence sends one randomly chosen sequence.
func (s *Simulator) Sequence(ctx context.Context) error {
	var steps []step
	switch k := s.rng.IntN(10); {
	case k < 3:
		steps = s.voicemailCall()
	case k < 5:
		steps = s.answeredCall()
	case k < 8:
		steps = s.smsConversation()
	default:
		steps = s.taskOffer()
	}
	for _, st := range steps {
		if err := s.send(ctx, st); err != nil {
			return err
		}
		if s.rng.Float64() < s.cfg.DuplicateRate {
			if err := s.send(ctx, st); err != nil { // Twilio retried
				return err
			}
		}
	}
	return nil
}

func (s *Simulator) send(ctx context.Context, st step) error {
	st.form.Set("AccountSid", "AC00000000000000000000000000000000")
	st.form.Set("ApiVersion", "2010-04-01")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.Target+st.path, strings.NewReader(st.form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(s.cfg.AuthToken, s.cfg.PublicURL+st.path, st.form))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("simulate: %s: %w", st.path, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("simulate: %s answered %d", st.path, resp.StatusCode)
	}
	return nil
}

func (s *Simulator) sid(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + fmt.Sprintf("%x", b)
}

func (s *Simulator) customer() string { return fmt.Sprintf("+1555%07d", s.rng.IntN(10_000_000)) }

func (s *Simulator) department() (string, string) {
	depts := make([]string, 0, len(s.cfg.Numbers))
	for d := range s.cfg.Numbers {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	d := depts[s.rng.IntN(len(depts))]
	return d, s.cfg.Numbers[d]
}

var callerNames = []string{"Carla Diaz", "Ben Okafor", "Mina Park", "Lou Martin", "Ivy Chen", ""}

func (s *Simulator) voicemailCall() []step {
	_, number := s.department()
	call, from := s.sid("CA"), s.customer()
	base := func(kv ...string) url.Values {
		v := url.Values{"CallSid": {call}, "From": {from}, "To": {number}, "Direction": {"inbound"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	dur := strconv.Itoa(5 + s.rng.IntN(60))
	return []step{
		{"/api/webhooks/twilio/voice", base("CallStatus", "ringing", "CallerName", callerNames[s.rng.IntN(len(callerNames))])},
		{"/api/webhooks/twilio/recording?kind=voicemail", base("RecordingSid", s.sid("RE"), "RecordingStatus", "completed",
			"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0", "RecordingDuration", dur, "RecordingSource", "RecordVerb")},
		{"/api/webhooks/twilio/status", base("CallStatus", "completed", "SequenceNumber", "1", "CallDuration", dur)},
	}
}

func (s *Simulator) answeredCall() []step {
	_, number := s.department()
	call, from := s.sid("CA"), s.customer()
	base := func(kv ...string) url.Values {
		v := url.Values{"CallSid": {call}, "From": {from}, "To": {number}, "Direction": {"inbound"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	steps := []step{
		{"/api/webhooks/twilio/voice", base("CallStatus", "ringing")},
		{"/api/webhooks/twilio/status", base("CallStatus", "in-progress", "SequenceNumber", "1")},
		{"/api/webhooks/twilio/status", base("CallStatus", "completed", "SequenceNumber", "2", "CallDuration", strconv.Itoa(30+s.rng.IntN(300)))},
	}
	if s.rng.IntN(3) == 0 { // out of order: completed overtakes in-progress
		steps[1], steps[2] = steps[2], steps[1]
	}
	return steps
}

var smsBodies = []string{"Hi, is my order shipped?", "Can someone call me back?", "Thanks!", "What are your opening hours?", "I need to change my booking."}

func (s *Simulator) smsConversation() []step {
	_, number := s.department()
	from := s.customer()
	n := 1 + s.rng.IntN(3)
	steps := make([]step, n)
	for i := range steps {
		steps[i] = step{"/api/webhooks/twilio/sms", url.Values{
			"MessageSid": {s.sid("SM")}, "From": {from}, "To": {number}, "Body": {smsBodies[s.rng.IntN(len(smsBodies))]},
			"NumMedia": {"0"}, "SmsStatus": {"received"},
		}}
	}
	return steps
}

func (s *Simulator) taskOffer() []step {
	if len(s.cfg.Workers) == 0 {
		return s.smsConversation()
	}
	w := s.cfg.Workers[s.rng.IntN(len(s.cfg.Workers))]
	task, res := s.sid("WT"), s.sid("WR")
	attrs, _ := json.Marshal(map[string]string{"type": "inbound_call", "department": w.Department, "from": s.customer()})
	wattrs, _ := json.Marshal(map[string]string{"userId": w.UserID, "department": w.Department})
	at := time.Now().UnixMilli()
	ev := func(typ string, v int, kv ...string) step {
		f := url.Values{"EventType": {typ}, "Sid": {s.sid("EV")}, "WorkspaceSid": {"WS0"}, "TaskSid": {task},
			"TaskAttributes": {string(attrs)}, "ReservationSid": {res}, "WorkerSid": {w.SID}, "WorkerAttributes": {string(wattrs)},
			"TaskVersion": {strconv.Itoa(v)}, "ReservationVersion": {strconv.Itoa(v)}, "TimestampMs": {strconv.FormatInt(at+int64(v), 10)}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return step{"/api/webhooks/taskrouter", f}
	}
	steps := []step{ev("reservation.created", 1, "TaskAssignmentStatus", "reserved")}
	if s.rng.IntN(4) == 0 {
		return append(steps, ev("reservation.timeout", 2))
	}
	activity := func(name string, v int) step {
		return step{"/api/webhooks/taskrouter", url.Values{"EventType": {"worker.activity.update"}, "Sid": {s.sid("EV")},
			"WorkerSid": {w.SID}, "WorkerName": {w.Name}, "WorkerAttributes": {string(wattrs)},
			"WorkerActivityName": {name}, "WorkerActivitySid": {"WA" + strings.ToLower(name)},
			"WorkerVersion": {strconv.FormatInt(at+int64(v), 10)}, "TimestampMs": {strconv.FormatInt(at+int64(v), 10)}}}
	}
	return append(steps, ev("reservation.accepted", 2, "TaskAssignmentStatus", "assigned"), activity("Busy", 3),
		ev("task.completed", 4, "TaskCompletedReason", "call ended", "TaskAssignmentStatus", "completed"), activity("Available", 5))
}
