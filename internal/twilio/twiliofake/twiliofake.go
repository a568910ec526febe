// Package twiliofake is a fake Twilio REST API: it answers the requests
// kinrt makes through twilio-go (send a message, update a worker, answer a
// reservation, fetch a recording) as Twilio does, and, when given a client
// to deliver them, sends back the signed callbacks Twilio would: message
// status callbacks (duplicated and out of order, as Twilio's are) and
// TaskRouter events. It also plays TaskRouter itself: tasks created through
// its REST API are reserved for available workers, time out, are accepted
// or rejected, and complete or are canceled.
//
// The tests use it through package twiliotest; `kinrt serve --demo` runs it
// in-process on a loopback listener. Nothing else may: it is never part of
// the service's public routes.
package twiliofake

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/twilio"
)

// SID returns a well-formed Twilio sid: prefix and 32 hex digits.
func SID(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// Activity is a TaskRouter activity the fake knows.
type Activity struct {
	Name      string
	Available bool
}

// Worker is a TaskRouter worker the fake routes tasks to.
type Worker struct {
	SID, Name, UserID, Department string
	// ActivitySID is the worker's activity at the start.
	ActivitySID string
}

// Config is the fake account.
type Config struct {
	AccountSID, AuthToken, WorkspaceSID string
	// Activities a worker may be set to, by sid; others are refused (400, 20001).
	Activities map[string]Activity
	// Recordings the fake serves itself: sid → MP3 bytes.
	Recordings map[string]string
	// Moved recordings (sid → bytes) the fake redirects to its media
	// storage (StorageHandler, at Fake.StorageURL), as Twilio does; the
	// storage refuses (400, as S3 does) a request with an Authorization.
	Moved map[string]string
	// AnyRecording, when set, is served (as AnyRecordingType) for every
	// recording sid of the account that is not in Recordings or Moved.
	AnyRecording     []byte
	AnyRecordingType string
	// BadNumber, if set, is a "To" number refused (400, error 21211).
	BadNumber string
	// MessageBase offsets sent messages' sids: the nth is SID("SM", MessageBase+n).
	MessageBase int

	// Client, when set, delivers the callbacks (message status callbacks
	// to a message's StatusCallback, TaskRouter events to
	// EventCallbackURL), signed with AuthToken over the URL they are
	// posted to. Nil: the fake sends none.
	Client *http.Client
	// EventCallbackURL is the workspace's TaskRouter event callback URL.
	EventCallbackURL string
	// Workers are the workspace's workers. Strict refuses (404, 20404)
	// workers and reservations the fake does not know; otherwise any is
	// answered (the tests seed their own).
	Workers []Worker
	Strict  bool
	// BusyActivity (a sid of Activities) is a worker's activity while it
	// handles a task it accepted; AvailableActivity the one it returns to
	// when the task ends. Unset: accepting changes no activity.
	BusyActivity, AvailableActivity string
	// BreakActivity, when set, is where workers answered by AutoAnswer go
	// now and then between tasks, and come back from.
	BreakActivity string
	// Delay is the wait before each callback. Default: 100 ms to 1 s.
	Delay func() time.Duration
	// ReservationTimeout is how long a reservation waits for an answer
	// before it times out (reservation.timeout). Default 30 s.
	ReservationTimeout time.Duration
	// TalkTime is how long an accepted task lasts before it completes
	// (the caller hangs up). Nil: tasks complete only through the REST API.
	TalkTime func() time.Duration
	// QueueTimeout cancels a task no worker accepted within it (Twilio's
	// task timeout). Zero: never.
	QueueTimeout time.Duration
	// AutoAnswer reports whether the fake answers a worker's offers itself
	// (a simulated agent): after AnswerDelay it accepts six in ten, rejects
	// two and lets two time out. Workers it does not answer for (people)
	// get the offers first.
	AutoAnswer  func(w Worker) bool
	AnswerDelay func() time.Duration
	// Log reports callbacks the service refused. Default: discarded.
	Log *slog.Logger
}

// Request is a request the fake (or its media storage) received.
type Request struct {
	Method, Path string
	Form         url.Values
	User, Pass   string
	Range        string
}

// Callback is a callback the fake delivered, with the service's answer.
type Callback struct {
	URL    string
	Form   url.Values
	Status int
}

// Fake is the fake Twilio. Every request to Handler needs the account's
// Basic credentials (401, error 20003, otherwise, as Twilio answers).
type Fake struct {
	c Config
	// StorageURL is where StorageHandler is served; moved recordings
	// redirect there.
	StorageURL string

	mu          sync.Mutex
	reqs, store []Request
	calls       []Callback
	n           int
	rng         *mrand.Rand
	workers     map[string]*worker
	tasks       map[string]*task
	res         map[string]*reservation
	seq         int
	changed     chan struct{} // closed and replaced on each callback delivered
	ctx         context.Context
	cancel      context.CancelFunc
	events      chan delivery // TaskRouter events, delivered in order
	wg          sync.WaitGroup
	timers      map[*time.Timer]struct{}
}

type worker struct {
	Worker
	activity string
	version  int64
	busy     string // the reservation it holds (pending or accepted), "" if free
	auto     bool
}

type task struct {
	sid, attrs, status, dept string
	version                  int64
	created                  time.Time
	tried                    map[string]bool // workers who timed out or rejected it
	res                      string
	priority                 int
}

type reservation struct {
	sid, task, worker, status string
	version                   int64
}

type delivery struct {
	url  string
	form url.Values
	wait time.Duration
}

// New returns a fake for c. Close stops its timers and callbacks.
func New(c Config) *Fake {
	if c.Delay == nil {
		c.Delay = func() time.Duration { return time.Duration(100+mrand.IntN(900)) * time.Millisecond }
	}
	if c.ReservationTimeout <= 0 {
		c.ReservationTimeout = 30 * time.Second
	}
	if c.AnswerDelay == nil {
		c.AnswerDelay = func() time.Duration { return time.Duration(2+mrand.IntN(8)) * time.Second }
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	f := &Fake{c: c, rng: mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64())), workers: map[string]*worker{},
		tasks: map[string]*task{}, res: map[string]*reservation{}, changed: make(chan struct{}),
		events: make(chan delivery, 1024), timers: map[*time.Timer]struct{}{}}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	for _, w := range c.Workers {
		f.workers[w.SID] = &worker{Worker: w, activity: w.ActivitySID, version: f.nextVersion(0)}
	}
	f.wg.Add(1)
	go f.deliverEvents()
	return f
}

// Close stops the fake's timers and drops the callbacks not yet sent.
func (f *Fake) Close() {
	f.cancel()
	f.mu.Lock()
	for t := range f.timers {
		t.Stop()
	}
	f.timers = map[*time.Timer]struct{}{}
	f.mu.Unlock()
	f.wg.Wait()
}

// Requests returns the requests the fake received, in order.
func (f *Fake) Requests() []Request { return f.copyReqs(&f.reqs) }

// StorageRequests returns the requests the media storage received.
func (f *Fake) StorageRequests() []Request { return f.copyReqs(&f.store) }

func (f *Fake) copyReqs(rs *[]Request) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), *rs...)
}

// Callbacks returns the callbacks delivered so far, in order, and a
// channel closed when the next one is.
func (f *Fake) Callbacks() ([]Callback, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Callback(nil), f.calls...), f.changed
}

func (f *Fake) record(rs *[]Request, r *http.Request) Request {
	user, pass, _ := r.BasicAuth()
	q := Request{Method: r.Method, Path: r.URL.Path, Form: r.PostForm, User: user, Pass: pass, Range: r.Header.Get("Range")}
	f.mu.Lock()
	defer f.mu.Unlock()
	*rs = append(*rs, q)
	return q
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// twilioError answers a Twilio REST error.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	answer(w, status, map[string]any{"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}

func serveMedia(w http.ResponseWriter, r *http.Request, media, typ string) {
	w.Header().Set("Content-Type", typ)
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(media))
}

// StorageHandler is the media storage moved recordings redirect to.
func (f *Fake) StorageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.record(&f.store, r)
		if r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusBadRequest) // as S3 answers an unexpected Authorization
		} else if media, ok := f.c.Moved[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/media/"), ".mp3")]; ok {
			serveMedia(w, r, media, "audio/mpeg")
		} else {
			http.NotFound(w, r)
		}
	})
}

// Handler is the REST API.
func (f *Fake) Handler() http.Handler {
	c := f.c
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", f.createMessage)
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Workers/{worker}", f.updateWorker)
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Workers/{worker}/Reservations/{res}", f.updateReservation)
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Tasks", f.createTask)
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Tasks/{task}", f.updateTask)
	mux.HandleFunc("GET /v1/Workspaces/{ws}/Tasks/{task}", f.getTask)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Recordings/{sid}", func(w http.ResponseWriter, r *http.Request) {
		sid, ext, _ := strings.Cut(r.PathValue("sid"), ".")
		known := func(m map[string]string) bool { _, ok := m[sid]; return ok }
		switch {
		case r.PathValue("account") != c.AccountSID || !strings.HasPrefix(sid, "RE"):
			twilioError(w, 404, 20404, "The requested resource was not found")
		case known(c.Moved) && ext == "mp3":
			http.Redirect(w, r, f.StorageURL+"/media/"+sid+".mp3", http.StatusFound)
		case known(c.Recordings) && ext == "mp3":
			serveMedia(w, r, c.Recordings[sid], "audio/mpeg")
		case c.AnyRecording != nil && !known(c.Moved) && !known(c.Recordings) && (ext == "mp3" || ext == "wav"):
			serveMedia(w, r, string(c.AnyRecording), c.AnyRecordingType)
		default:
			twilioError(w, 404, 20404, "The requested resource was not found")
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		_ = r.ParseForm()
		if q := f.record(&f.reqs, r); q.User != c.AccountSID || q.Pass != c.AuthToken {
			twilioError(w, 401, 20003, "Authenticate")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// --- messages ---------------------------------------------------------------

func (f *Fake) createMessage(w http.ResponseWriter, r *http.Request) {
	c := f.c
	to := r.PostForm.Get("To")
	switch {
	case r.PathValue("account") != c.AccountSID:
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	case c.BadNumber != "" && to == c.BadNumber:
		twilioError(w, 400, 21211, "The 'To' number "+to+" is not a valid phone number.")
		return
	}
	f.mu.Lock()
	f.n++
	sid := SID("SM", c.MessageBase+f.n)
	f.mu.Unlock()
	from := r.PostForm.Get("From")
	answer(w, 201, map[string]any{
		"sid": sid, "account_sid": c.AccountSID, "from": from, "to": to,
		"body": r.PostForm.Get("Body"), "status": "queued", "direction": "outbound-api", "num_segments": "1",
		"error_code": nil, "date_created": time.Now().UTC().Format(time.RFC1123Z),
	})
	if cb := r.PostForm.Get("StatusCallback"); cb != "" && c.Client != nil {
		f.messageCallbacks(cb, sid, from, to)
	}
}

// messageCallbacks sends what Twilio sends for a message it accepted:
// sent, then delivered (or, one time in six, undelivered with error
// 30003), the final status overtaking "sent" one time in three, and each
// callback repeated one time in ten.
func (f *Fake) messageCallbacks(cb, sid, from, to string) {
	form := func(st string, kv ...string) url.Values {
		v := url.Values{"AccountSid": {f.c.AccountSID}, "ApiVersion": {"2010-04-01"}, "MessageSid": {sid}, "SmsSid": {sid},
			"MessageStatus": {st}, "SmsStatus": {st}, "From": {from}, "To": {to}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	f.mu.Lock()
	steps := []url.Values{form("sent"), form("delivered")}
	if f.rng.IntN(6) == 0 {
		steps[1] = form("undelivered", "ErrorCode", "30003")
	}
	if f.rng.IntN(3) == 0 {
		steps[0], steps[1] = steps[1], steps[0]
	}
	if f.rng.IntN(10) == 0 {
		steps = append(steps, steps[f.rng.IntN(2)])
	}
	f.mu.Unlock()
	// In order, each after the one before: the order is the one chosen.
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for _, s := range steps {
			if !f.sleep(f.c.Delay()) {
				return
			}
			f.post(cb, s)
		}
	}()
}

// sleep waits d, or returns false if the fake closed first.
func (f *Fake) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// post delivers one signed callback.
func (f *Fake) post(target string, form url.Values) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		f.c.Log.Warn("fake Twilio: callback", "url", target, "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(f.c.AuthToken, target, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	status := 0
	if resp, err := f.c.Client.Do(req); err != nil {
		if f.ctx.Err() == nil {
			f.c.Log.Warn("fake Twilio: callback", "url", target, "err", err)
		}
	} else {
		resp.Body.Close()
		status = resp.StatusCode
		if status >= 300 {
			f.c.Log.Warn("fake Twilio: callback refused", "url", target, "status", status, "event", form.Get("EventType")+form.Get("MessageStatus"))
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, Callback{URL: target, Form: form, Status: status})
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

// --- TaskRouter ---------------------------------------------------------------

// nextVersion is a version after prev: TaskRouter's versions only grow;
// the fake's are milliseconds, so they also outgrow the versions of a
// previous run stored by the service.
func (f *Fake) nextVersion(prev int64) int64 {
	v := time.Now().UnixMilli()
	if v <= prev {
		v = prev + 1
	}
	return v
}

func (f *Fake) sid(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%016x%016x", prefix, time.Now().UnixNano(), uint64(f.seq)<<8|uint64(f.rng.IntN(256)))
}

// after runs fn under f.mu after d, unless the fake closed.
func (f *Fake) after(d time.Duration, fn func()) {
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.timers[t]; !ok {
			return
		}
		delete(f.timers, t)
		fn()
	})
	f.timers[t] = struct{}{}
}

// emit queues a TaskRouter event (f.mu held); they are delivered in order.
func (f *Fake) emit(typ string, t *task, res *reservation, w *worker, kv ...string) {
	if f.c.Client == nil || f.c.EventCallbackURL == "" {
		return
	}
	now := time.Now()
	v := url.Values{"AccountSid": {f.c.AccountSID}, "WorkspaceSid": {f.c.WorkspaceSID}, "EventType": {typ},
		"Sid": {f.sid("EV")}, "Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "TimestampMs": {strconv.FormatInt(now.UnixMilli(), 10)},
		"ResourceType": {strings.SplitN(typ, ".", 2)[0]}, "EventDescription": {typ}}
	if t != nil {
		v.Set("TaskSid", t.sid)
		v.Set("TaskAttributes", t.attrs)
		v.Set("TaskAssignmentStatus", t.status)
		v.Set("TaskVersion", strconv.FormatInt(t.version, 10))
		v.Set("TaskPriority", strconv.Itoa(t.priority))
		v.Set("TaskAge", strconv.Itoa(int(now.Sub(t.created).Seconds())))
		v.Set("TaskQueueName", t.dept)
		v.Set("TaskChannelUniqueName", "voice")
		v.Set("ResourceSid", t.sid)
	}
	if res != nil {
		v.Set("ReservationSid", res.sid)
		v.Set("ReservationVersion", strconv.FormatInt(res.version, 10))
		v.Set("ResourceSid", res.sid)
	}
	if w != nil {
		attrs, _ := json.Marshal(map[string]string{"userId": w.UserID, "department": w.Department})
		v.Set("WorkerSid", w.SID)
		v.Set("WorkerName", w.Name)
		v.Set("WorkerAttributes", string(attrs))
		v.Set("WorkerVersion", strconv.FormatInt(w.version, 10))
		if a, ok := f.c.Activities[w.activity]; ok {
			v.Set("WorkerActivitySid", w.activity)
			v.Set("WorkerActivityName", a.Name)
		}
		if res == nil && t == nil {
			v.Set("ResourceSid", w.SID)
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	select {
	case f.events <- delivery{url: f.c.EventCallbackURL, form: v, wait: f.c.Delay()}:
	default:
		f.c.Log.Warn("fake Twilio: TaskRouter event dropped: the queue is full", "event", typ)
	}
}

func (f *Fake) deliverEvents() {
	defer f.wg.Done()
	for {
		select {
		case <-f.ctx.Done():
			return
		case d := <-f.events:
			if !f.sleep(d.wait / 4) {
				return
			}
			f.post(d.url, d.form)
		}
	}
}

// Announce sends a worker.activity.update of every worker, so that the
// service knows them (and their activities) from the start.
func (f *Fake) Announce() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.sortedWorkers() {
		f.emit("worker.activity.update", nil, nil, w)
	}
}

func (f *Fake) sortedWorkers() []*worker {
	ws := make([]*worker, 0, len(f.workers))
	for _, w := range f.workers {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].SID < ws[j].SID })
	return ws
}

func (f *Fake) workerJSON(w *worker) map[string]any {
	a := f.c.Activities[w.activity]
	attrs, _ := json.Marshal(map[string]string{"userId": w.UserID, "department": w.Department})
	return map[string]any{
		"sid": w.SID, "workspace_sid": f.c.WorkspaceSID, "account_sid": f.c.AccountSID, "activity_sid": w.activity,
		"activity_name": a.Name, "available": a.Available, "friendly_name": w.Name, "attributes": string(attrs),
	}
}

func (f *Fake) updateWorker(w http.ResponseWriter, r *http.Request) {
	c := f.c
	actSID := r.PostForm.Get("ActivitySid")
	act, ok := c.Activities[actSID]
	sid := r.PathValue("worker")
	if r.PathValue("ws") != c.WorkspaceSID || !ok {
		twilioError(w, 400, 20001, "Invalid Activity")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	wk := f.workers[sid]
	if wk == nil {
		if c.Strict {
			twilioError(w, 404, 20404, "The requested resource was not found")
			return
		}
		answer(w, 200, map[string]any{
			"sid": sid, "workspace_sid": c.WorkspaceSID, "account_sid": c.AccountSID, "activity_sid": actSID,
			"activity_name": act.Name, "available": act.Available, "friendly_name": "worker-" + sid[len(sid)-2:],
		})
		return
	}
	f.setActivity(wk, actSID)
	answer(w, 200, f.workerJSON(wk))
}

// setActivity changes a worker's activity and emits worker.activity.update;
// a worker who became available gets the oldest waiting task (f.mu held).
func (f *Fake) setActivity(wk *worker, actSID string) {
	if wk.activity == actSID {
		return
	}
	prev := wk.activity
	wk.activity = actSID
	wk.version = f.nextVersion(wk.version)
	f.emit("worker.activity.update", nil, nil, wk, "WorkerPreviousActivitySid", prev, "WorkerPreviousActivityName", f.c.Activities[prev].Name)
	if f.c.Activities[actSID].Available {
		f.routeWaiting()
	}
}

// SetActivity changes a worker's activity, as the agent's other app (or
// an admin in the console) does, and emits worker.activity.update. A
// worker with a task keeps its activity until the task ends.
func (f *Fake) SetActivity(workerSID, activitySID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.workers[workerSID]
	if _, ok := f.c.Activities[activitySID]; !ok || w == nil {
		return fmt.Errorf("twiliofake: no worker %q or activity %q", workerSID, activitySID)
	}
	if w.busy != "" {
		return fmt.Errorf("twiliofake: worker %s has a task", workerSID)
	}
	f.setActivity(w, activitySID)
	return nil
}

func (f *Fake) taskJSON(t *task) map[string]any {
	return map[string]any{"sid": t.sid, "workspace_sid": f.c.WorkspaceSID, "account_sid": f.c.AccountSID,
		"assignment_status": t.status, "attributes": t.attrs, "priority": t.priority, "task_queue_friendly_name": t.dept,
		"age": int(time.Since(t.created).Seconds())}
}

// createTask is what a workflow does with a new task (POST
// /v1/Workspaces/{ws}/Tasks): it waits in its department's queue until a
// worker of the department is available, who is then offered it.
func (f *Fake) createTask(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("ws") != f.c.WorkspaceSID {
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	}
	attrs := r.PostForm.Get("Attributes")
	if attrs == "" {
		attrs = "{}"
	}
	var a map[string]any
	if err := json.Unmarshal([]byte(attrs), &a); err != nil {
		twilioError(w, 400, 20001, "Attributes must be a JSON object")
		return
	}
	dept, _ := a["department"].(string)
	prio, _ := strconv.Atoi(r.PostForm.Get("Priority"))
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &task{sid: f.sid("WT"), attrs: attrs, status: "pending", dept: dept, created: time.Now(), tried: map[string]bool{}, priority: prio}
	t.version = f.nextVersion(0)
	f.tasks[t.sid] = t
	f.emit("task.created", t, nil, nil)
	if f.c.QueueTimeout > 0 {
		f.after(f.c.QueueTimeout, func() {
			if t.status == "pending" || t.status == "reserved" {
				f.endTask(t, "canceled", "Task TTL Exceeded")
			}
		})
	}
	f.route(t)
	answer(w, 201, f.taskJSON(t))
}

func (f *Fake) getTask(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[r.PathValue("task")]
	if t == nil || r.PathValue("ws") != f.c.WorkspaceSID {
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	}
	answer(w, 200, f.taskJSON(t))
}

// updateTask completes or cancels a task (AssignmentStatus, Reason).
func (f *Fake) updateTask(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[r.PathValue("task")]
	if t == nil || r.PathValue("ws") != f.c.WorkspaceSID {
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	}
	st := r.PostForm.Get("AssignmentStatus")
	switch {
	case st == "completed" && t.status == "assigned", st == "canceled" && (t.status == "pending" || t.status == "reserved" || t.status == "assigned"):
		f.endTask(t, st, r.PostForm.Get("Reason"))
		answer(w, 200, f.taskJSON(t))
	default:
		twilioError(w, 400, 20001, "Cannot change a task from "+t.status+" to "+st)
	}
}

// route offers t to an available, free worker of its department who has
// not turned it down (f.mu held); none: it keeps waiting.
func (f *Fake) route(t *task) {
	if t.status != "pending" {
		return
	}
	var free []*worker
	for _, w := range f.sortedWorkers() {
		if w.busy == "" && !t.tried[w.SID] && f.c.Activities[w.activity].Available && (t.dept == "" || w.Department == t.dept) {
			free = append(free, w)
		}
	}
	if len(free) == 0 {
		return
	}
	if f.c.AutoAnswer != nil { // people first: a signed-in agent gets the offers
		var people []*worker
		for _, w := range free {
			if !f.c.AutoAnswer(w.Worker) {
				people = append(people, w)
			}
		}
		if len(people) > 0 {
			free = people
		}
	}
	w := free[f.rng.IntN(len(free))]
	res := &reservation{sid: f.sid("WR"), task: t.sid, worker: w.SID, status: "pending", version: f.nextVersion(0)}
	f.res[res.sid] = res
	w.busy = res.sid
	t.status, t.res = "reserved", res.sid
	t.version = f.nextVersion(t.version)
	f.emit("reservation.created", t, res, w)
	f.after(f.c.ReservationTimeout, func() {
		if res.status == "pending" {
			f.answer(res, "timeout")
		}
	})
	w.auto = f.c.AutoAnswer != nil && f.c.AutoAnswer(w.Worker)
	if w.auto {
		f.after(f.c.AnswerDelay(), func() {
			if res.status != "pending" {
				return
			}
			switch k := f.rng.IntN(10); {
			case k < 6:
				f.answer(res, "accepted")
			case k < 8:
				f.answer(res, "rejected")
			} // else: it times out
		})
	}
}

// routeWaiting offers the waiting tasks, oldest first (f.mu held).
func (f *Fake) routeWaiting() {
	var waiting []*task
	for _, t := range f.tasks {
		if t.status == "pending" {
			waiting = append(waiting, t)
		}
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].created.Before(waiting[j].created) })
	for _, t := range waiting {
		f.route(t)
	}
}

// answer moves a pending reservation to status (accepted, rejected,
// timeout) as TaskRouter does (f.mu held).
func (f *Fake) answer(res *reservation, status string) {
	t, w := f.tasks[res.task], f.workers[res.worker]
	res.status = status
	res.version = f.nextVersion(res.version)
	t.version = f.nextVersion(t.version)
	if status == "accepted" {
		t.status = "assigned"
		f.emit("reservation.accepted", t, res, w)
		if f.c.BusyActivity != "" {
			f.setActivity(w, f.c.BusyActivity)
		}
		if f.c.TalkTime != nil {
			f.after(f.c.TalkTime(), func() {
				if t.status == "assigned" {
					f.endTask(t, "completed", "call ended")
				}
			})
		}
		return
	}
	w.busy = ""
	t.status, t.res = "pending", ""
	t.tried[w.SID] = true
	f.emit("reservation."+status, t, res, w)
	f.route(t)
	f.routeWaiting() // the worker is free for others
}

// endTask completes or cancels t, with its reservation, and frees its
// worker (f.mu held).
func (f *Fake) endTask(t *task, status, reason string) {
	res := f.res[t.res]
	var w *worker
	if res != nil {
		w = f.workers[res.worker]
	}
	prev := t.status
	t.status = status
	t.version = f.nextVersion(t.version)
	key := "TaskCompletedReason"
	if status == "canceled" {
		key = "TaskCanceledReason"
	}
	if res != nil && res.status == "pending" {
		res.status = "canceled"
		res.version = f.nextVersion(res.version)
		f.emit("reservation.canceled", t, res, w)
	}
	f.emit("task."+status, t, nil, nil, key, reason)
	if res != nil && prev == "assigned" {
		res.status = "completed"
		res.version = f.nextVersion(res.version)
		f.emit("reservation.completed", t, res, w)
	}
	if w == nil {
		return
	}
	w.busy = ""
	switch {
	case w.auto && f.c.BreakActivity != "" && f.rng.IntN(5) == 0:
		f.setActivity(w, f.c.BreakActivity)
		f.after(time.Duration(20+f.rng.IntN(40))*time.Second, func() {
			if w.activity == f.c.BreakActivity && f.c.AvailableActivity != "" {
				f.setActivity(w, f.c.AvailableActivity)
			}
		})
	case prev == "assigned" && f.c.AvailableActivity != "" && w.activity == f.c.BusyActivity:
		f.setActivity(w, f.c.AvailableActivity)
	default:
		f.routeWaiting()
	}
}

func (f *Fake) updateReservation(w http.ResponseWriter, r *http.Request) {
	c := f.c
	st := r.PostForm.Get("ReservationStatus")
	if r.PathValue("ws") != c.WorkspaceSID || (st != "accepted" && st != "rejected") {
		twilioError(w, 400, 20001, "Invalid ReservationStatus")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := f.res[r.PathValue("res")]
	switch {
	case res == nil && !c.Strict:
		answer(w, 200, map[string]any{"sid": r.PathValue("res"), "worker_sid": r.PathValue("worker"), "workspace_sid": c.WorkspaceSID, "reservation_status": st})
		return
	case res == nil || res.worker != r.PathValue("worker"):
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	case res.status != "pending":
		twilioError(w, 400, 20001, "Reservation is not pending: it is "+res.status)
		return
	}
	f.answer(res, st)
	answer(w, 200, map[string]any{"sid": res.sid, "worker_sid": res.worker, "task_sid": res.task, "workspace_sid": c.WorkspaceSID, "reservation_status": res.status})
}
