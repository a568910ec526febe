// Package simulate sends realistic, correctly signed Twilio and TaskRouter
// webhook sequences to a KIN Realtime service: inbound calls answered or
// sent to voicemail, SMS conversations, TaskRouter offers and worker
// activity, with the duplicates and out-of-order deliveries Twilio really
// produces. The demo and the benchmarks use it.
package simulate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
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
	// KIN_PUBLIC_URL): the signatures cover it. Default:
	// DefaultPublicURL(Target), or Target itself when the service refuses
	// the first webhook signed for that.
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
	// APIToken, when set, is a session token (of a user who sees every
	// department) the simulator replies to SMS conversations with, through
	// the service's REST API, which sends them through Twilio; the
	// simulator then delivers the replies' status callbacks as Twilio
	// would, with duplicates and out-of-order ones. A service that cannot
	// send (no Twilio credentials, 503) gets no more replies.
	APIToken string
	// AccountSID is the Twilio account the webhooks come from (and the
	// recordings are of). Default AC000….
	AccountSID string
	// TaskRouter, when set, is the TaskRouter REST API the simulated
	// callers' tasks are created in (the demo's fake Twilio): TaskRouter
	// then offers them to workers and sends the events itself. Unset, the
	// simulator sends a task's events itself, to Workers.
	TaskRouter *TaskRouter
}

// TaskRouter is a TaskRouter REST API: its base URL (scheme and host of
// https://taskrouter.twilio.com), the account's credentials and workspace.
type TaskRouter struct {
	BaseURL, AccountSID, AuthToken, WorkspaceSID string
}

// Simulator sends webhook sequences. It is not safe for concurrent use.
type Simulator struct {
	cfg       Config
	rng       *mrand.Rand
	noReplies bool   // the service cannot send SMS
	otherURL  string // with a defaulted PublicURL, the other guess until one is accepted
}

// New returns a Simulator.
func New(cfg Config) (*Simulator, error) {
	if cfg.Target == "" || cfg.AuthToken == "" || len(cfg.Numbers) == 0 {
		return nil, fmt.Errorf("simulate: target, auth token and numbers are required")
	}
	cfg.Target = strings.TrimRight(cfg.Target, "/")
	otherURL := ""
	if cfg.PublicURL == "" {
		// A loopback service's public URL is http://localhost:PORT by
		// default, or its address when it listens on 127.0.0.1 alone:
		// the first guess refused, the other is tried.
		cfg.PublicURL = DefaultPublicURL(cfg.Target)
		if cfg.PublicURL != cfg.Target {
			otherURL = cfg.Target
		}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.AccountSID == "" {
		cfg.AccountSID = "AC00000000000000000000000000000000"
	}
	if cfg.DuplicateRate == 0 {
		cfg.DuplicateRate = 0.1
	}
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	return &Simulator{cfg: cfg, otherURL: otherURL, rng: mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))}, nil
}

// DefaultPublicURL is the public URL a service at target has unless its
// KIN_PUBLIC_URL says otherwise: target, its loopback host (127.0.0.1,
// ::1) written localhost, as the service's default is
// http://localhost:PORT.
func DefaultPublicURL(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return target
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		port := u.Port()
		u.Host = "localhost"
		if port != "" {
			u.Host = "localhost:" + port
		}
	}
	return strings.TrimRight(u.String(), "/")
}

// PublicURL returns the public URL the simulator signs for.
func (s *Simulator) PublicURL() string { return s.cfg.PublicURL }

// SignatureError is a webhook the service refused (403) as not signed by
// Twilio: the simulator's URL or auth token are not the service's.
type SignatureError struct {
	// SignedURL is the URL the simulator signed.
	SignedURL string
	// Service is the service's explanation (its {"error": …}), if any.
	Service string
}

func (e *SignatureError) Error() string {
	msg := "simulate: the service refused the signature (403) of a webhook signed for " + e.SignedURL
	if e.Service != "" {
		msg += "; the service said: " + e.Service
	}
	return msg
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

// step is one webhook of a sequence, or (with then) an action whose
// outcome decides the next webhooks.
type step struct {
	path string
	form url.Values
	then func(ctx context.Context) ([]step, error)
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
	return s.sendAll(ctx, steps)
}

func (s *Simulator) sendAll(ctx context.Context, steps []step) error {
	for _, st := range steps {
		if st.then != nil {
			more, err := st.then(ctx)
			if err != nil {
				return err
			}
			if err := s.sendAll(ctx, more); err != nil {
				return err
			}
			continue
		}
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
	st.form.Set("AccountSid", s.cfg.AccountSID)
	st.form.Set("ApiVersion", "2010-04-01")
	err := s.post(ctx, st)
	var se *SignatureError
	if s.otherURL != "" && errors.As(err, &se) {
		s.cfg.PublicURL = s.otherURL // the defaulted public URL was the wrong guess
		err = s.post(ctx, st)
	}
	if err == nil {
		s.otherURL = "" // the service's public URL is known
	}
	return err
}

// post sends one webhook, signed for the public URL.
func (s *Simulator) post(ctx context.Context, st step) error {
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
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden {
		var body struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&body)
		return &SignatureError{SignedURL: s.cfg.PublicURL + st.path, Service: body.Error}
	}
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
	rec := s.sid("RE")
	steps := []step{
		{path: "/api/webhooks/twilio/voice", form: base("CallStatus", "ringing", "CallerName", callerNames[s.rng.IntN(len(callerNames))])},
		{path: "/api/webhooks/twilio/recording?kind=voicemail", form: base("RecordingSid", rec, "RecordingStatus", "completed",
			"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/"+s.cfg.AccountSID+"/Recordings/"+rec, "RecordingDuration", dur, "RecordingSource", "RecordVerb")},
		{path: "/api/webhooks/twilio/status", form: base("CallStatus", "completed", "SequenceNumber", "1", "CallDuration", dur)},
	}
	if s.cfg.APIToken != "" && s.rng.IntN(3) == 0 {
		steps = append(steps, step{then: s.listenToVoicemail})
	}
	return steps
}

// listenToVoicemail marks the oldest new voicemail listened, as a
// colleague would, through the service's API.
func (s *Simulator) listenToVoicemail(ctx context.Context) ([]step, error) {
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if status, err := s.api(ctx, http.MethodGet, "/api/voicemails?status=new&limit=50", nil, &list); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("simulate: GET /api/voicemails: %d %v", status, err)
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	id := list.Items[len(list.Items)-1].ID
	status, err := s.api(ctx, http.MethodPatch, "/api/voicemails/"+url.PathEscape(id), map[string]string{"status": "listened"}, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("simulate: PATCH /api/voicemails/%s: %d %v", id, status, err)
	}
	return nil, nil
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
		{path: "/api/webhooks/twilio/voice", form: base("CallStatus", "ringing")},
		{path: "/api/webhooks/twilio/status", form: base("CallStatus", "in-progress", "SequenceNumber", "1")},
		{path: "/api/webhooks/twilio/status", form: base("CallStatus", "completed", "SequenceNumber", "2", "CallDuration", strconv.Itoa(30+s.rng.IntN(300)))},
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
		steps[i] = step{path: "/api/webhooks/twilio/sms", form: url.Values{
			"MessageSid": {s.sid("SM")}, "From": {from}, "To": {number}, "Body": {smsBodies[s.rng.IntN(len(smsBodies))]},
			"NumMedia": {"0"}, "SmsStatus": {"received"},
		}}
	}
	if s.cfg.APIToken != "" && !s.noReplies {
		steps = append(steps, step{then: func(ctx context.Context) ([]step, error) { return s.reply(ctx, number, from) }})
	}
	return steps
}

var replyBodies = []string{"Thanks for your message, we'll call you back today.", "Yes, it shipped this morning.", "We're open 9 to 5, Monday to Friday."}

// reply answers the conversation of our number and customer through the
// service's API and returns the status callbacks Twilio would send for
// the reply: sent, then delivered (or undelivered), sometimes the other
// way round.
func (s *Simulator) reply(ctx context.Context, number, customer string) ([]step, error) {
	var list struct {
		Items []struct {
			ID             string `json:"id"`
			OurNumber      string `json:"ourNumber"`
			CustomerNumber string `json:"customerNumber"`
		} `json:"items"`
	}
	if status, err := s.api(ctx, http.MethodGet, "/api/conversations", nil, &list); err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("simulate: GET /api/conversations: %d %v", status, err)
	}
	id := ""
	for _, c := range list.Items {
		if c.OurNumber == number && c.CustomerNumber == customer {
			id = c.ID
		}
	}
	if id == "" {
		return nil, fmt.Errorf("simulate: the conversation of %s and %s is not in GET /api/conversations", number, customer)
	}
	var sent struct {
		SID string `json:"sid"`
	}
	body := map[string]string{"body": replyBodies[s.rng.IntN(len(replyBodies))]}
	status, err := s.api(ctx, http.MethodPost, "/api/conversations/"+url.PathEscape(id)+"/messages", body, &sent)
	if err != nil {
		return nil, err
	}
	if status == http.StatusServiceUnavailable {
		s.noReplies = true // the service has no Twilio account to send with
		return nil, nil
	}
	if status != http.StatusCreated || sent.SID == "" {
		return nil, fmt.Errorf("simulate: sending a reply answered %d", status)
	}
	callback := func(st string, kv ...string) step {
		f := url.Values{"MessageSid": {sent.SID}, "SmsSid": {sent.SID}, "MessageStatus": {st}, "SmsStatus": {st}, "From": {number}, "To": {customer}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return step{path: "/api/webhooks/twilio/message-status", form: f}
	}
	steps := []step{callback("sent"), callback("delivered")}
	if s.rng.IntN(8) == 0 {
		steps[1] = callback("undelivered", "ErrorCode", "30003")
	}
	if s.rng.IntN(3) == 0 { // the final status overtakes "sent"
		steps[0], steps[1] = steps[1], steps[0]
	}
	return steps, nil
}

// api calls the service's REST API with the simulator's token and decodes
// a 2xx JSON answer into out.
func (s *Simulator) api(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.cfg.Target+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.APIToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("simulate: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("simulate: %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func (s *Simulator) taskOffer() []step {
	if s.cfg.TaskRouter != nil {
		return []step{{then: s.createTask}}
	}
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
		return step{path: "/api/webhooks/taskrouter", form: f}
	}
	steps := []step{ev("reservation.created", 1, "TaskAssignmentStatus", "reserved")}
	if s.rng.IntN(4) == 0 {
		return append(steps, ev("reservation.timeout", 2))
	}
	activity := func(name string, v int) step {
		return step{path: "/api/webhooks/taskrouter", form: url.Values{"EventType": {"worker.activity.update"}, "Sid": {s.sid("EV")},
			"WorkerSid": {w.SID}, "WorkerName": {w.Name}, "WorkerAttributes": {string(wattrs)},
			"WorkerActivityName": {name}, "WorkerActivitySid": {"WA" + strings.ToLower(name)},
			"WorkerVersion": {strconv.FormatInt(at+int64(v), 10)}, "TimestampMs": {strconv.FormatInt(at+int64(v), 10)}}}
	}
	return append(steps, ev("reservation.accepted", 2, "TaskAssignmentStatus", "assigned"), activity("Busy", 3),
		ev("task.completed", 4, "TaskCompletedReason", "call ended", "TaskAssignmentStatus", "completed"), activity("Available", 5))
}

// createTask creates a caller's task in the TaskRouter API, which offers
// it to a worker of its department and sends the events.
func (s *Simulator) createTask(ctx context.Context) ([]step, error) {
	tr := s.cfg.TaskRouter
	dept, number := s.department()
	attrs, _ := json.Marshal(map[string]string{"type": "inbound_call", "department": dept, "from": s.customer(), "to": number,
		"name": callerNames[s.rng.IntN(len(callerNames)-1)]})
	form := url.Values{"Attributes": {string(attrs)}, "TaskChannel": {"voice"}, "Priority": {strconv.Itoa(s.rng.IntN(3))}}
	u := strings.TrimRight(tr.BaseURL, "/") + "/v1/Workspaces/" + url.PathEscape(tr.WorkspaceSID) + "/Tasks"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(tr.AccountSID, tr.AuthToken)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("simulate: create a task: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("simulate: create a task: TaskRouter answered %d", resp.StatusCode)
	}
	return nil, nil
}
