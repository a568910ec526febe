package server

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/internal/store"
)

// statsMinutes is how many minutes perMinute covers: the last hour.
const statsMinutes = 60

// Stats is the answer of GET /api/stats: the state of the floor in the
// caller's scope (an admin's: every department; anyone else's: their own).
type Stats struct {
	GeneratedAt time.Time `json:"generatedAt"`
	// Departments are those the answer covers, sorted.
	Departments          []string      `json:"departments"`
	Queue                []QueueJSON   `json:"queue"`
	Agents               []AgentJSON   `json:"agents"`
	VoicemailsUnlistened int           `json:"voicemailsUnlistened"`
	ConversationsUnread  int           `json:"conversationsUnread"`
	Today                TodayJSON     `json:"today"`
	ServiceLevel         ServiceLevel  `json:"serviceLevel"`
	PerMinute            PerMinuteJSON `json:"perMinute"`
}

// QueueJSON is one department's queue: the tasks no worker has accepted
// yet (pending or reserved) and how long the oldest has waited.
type QueueJSON struct {
	Department         string `json:"department"`
	Waiting            int    `json:"waiting"`
	LongestWaitSeconds int    `json:"longestWaitSeconds"`
}

// AgentJSON is one member of a department, online or not.
type AgentJSON struct {
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Role       string `json:"role"`
	// Presence is online, away, busy or offline (package presence).
	Presence string `json:"presence"`
	// Activity is the TaskRouter activity of the member's worker
	// (Available, Break, Offline…), null without a worker.
	Activity *string `json:"activity"`
	// ActivitySince is the time of the worker's last applied TaskRouter
	// event, null without a worker.
	ActivitySince *time.Time `json:"activitySince"`
	// WorkerStatus is the worker's derived status (available, busy,
	// offline), null without a worker.
	WorkerStatus *string `json:"workerStatus"`
	WorkerSID    string  `json:"workerSid,omitempty"`
}

// TodayJSON counts what was created since the day began.
type TodayJSON struct {
	// Since is the day's start: midnight in TimeZone.
	Since       time.Time `json:"since"`
	TimeZone    string    `json:"timeZone"`
	Calls       int       `json:"calls"`
	MissedCalls int       `json:"missedCalls"`
	Voicemails  int       `json:"voicemails"`
	SMSIn       int       `json:"smsIn"`
	SMSOut      int       `json:"smsOut"`
}

// ServiceLevel is today's share of inbound calls answered within the
// threshold; Percent is null when no call was answered.
type ServiceLevel struct {
	ThresholdSeconds int      `json:"thresholdSeconds"`
	Answered         int      `json:"answered"`
	AnsweredWithin   int      `json:"answeredWithin"`
	Percent          *float64 `json:"percent"`
}

// PerMinuteJSON counts the calls and messages created in each minute of
// the last hour: Calls[i] and Messages[i] are those of the minute that
// starts at From + i minutes; the last one is the current minute.
type PerMinuteJSON struct {
	From     time.Time `json:"from"`
	Calls    []int     `json:"calls"`
	Messages []int     `json:"messages"`
}

// getStats serves GET /api/stats.
func (s *Server) getStats(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	st, err := s.stats(r.Context(), p, time.Now())
	if err != nil {
		s.log.ErrorContext(r.Context(), "stats", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, st)
}

// stats builds p's view of the floor at now.
func (s *Server) stats(ctx context.Context, p auth.Principal, now time.Time) (Stats, error) {
	now = store.Truncate(now)
	scope := statsScope(p)
	loc := s.cfg.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	threshold := s.cfg.ServiceLevel
	if threshold <= 0 {
		threshold = config.DefaultServiceLevel
	}
	local := now.In(loc)
	since := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	from := now.Truncate(time.Minute).Add(-(statsMinutes - 1) * time.Minute)
	sr := s.store.Stats()
	queue, err := sr.Queue(ctx, scope)
	if err != nil {
		return Stats{}, err
	}
	backlog, err := sr.Backlog(ctx, scope)
	if err != nil {
		return Stats{}, err
	}
	counts, err := sr.Counts(ctx, store.CountsQuery{Scope: scope, Since: since, AnswerWithin: threshold})
	if err != nil {
		return Stats{}, err
	}
	calls, messages, err := sr.PerMinute(ctx, scope, from, statsMinutes)
	if err != nil {
		return Stats{}, err
	}
	agents, err := s.members(ctx, p, scope)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{
		GeneratedAt: now, Agents: agents,
		VoicemailsUnlistened: backlog.VoicemailsUnlistened, ConversationsUnread: backlog.ConversationsUnread,
		Today: TodayJSON{Since: since, TimeZone: loc.String(), Calls: counts.Calls, MissedCalls: counts.MissedCalls,
			Voicemails: counts.Voicemails, SMSIn: counts.SMSIn, SMSOut: counts.SMSOut},
		ServiceLevel: ServiceLevel{ThresholdSeconds: int(threshold / time.Second), Answered: counts.Answered, AnsweredWithin: counts.AnsweredWithin},
		PerMinute:    PerMinuteJSON{From: from, Calls: calls, Messages: messages},
	}
	if counts.Answered > 0 {
		pct := math.Round(1000*float64(counts.AnsweredWithin)/float64(counts.Answered)) / 10
		out.ServiceLevel.Percent = &pct
	}
	out.Departments = s.statsDepartments(p, queue, agents)
	out.Queue = queueJSON(out.Departments, queue, now)
	return out, nil
}

// statsScope is the store scope of p's view: sees' rule.
func statsScope(p auth.Principal) store.Scope {
	switch {
	case p.Role == events.RoleAdmin:
		return store.AllDepartments()
	case p.Department == "":
		return store.Scope{}
	}
	return store.InDepartments(p.Department)
}

// statsDepartments lists the departments of p's view: p's own, or for an
// admin every department known (configured numbers, queues, members).
func (s *Server) statsDepartments(p auth.Principal, queue []store.QueueStat, agents []AgentJSON) []string {
	if p.Role != events.RoleAdmin {
		if p.Department == "" {
			return []string{}
		}
		return []string{p.Department}
	}
	deps := []string{}
	for _, d := range s.cfg.NumberDepartments {
		deps = append(deps, d)
	}
	for _, q := range queue {
		deps = append(deps, q.Department)
	}
	for _, a := range agents {
		deps = append(deps, a.Department)
	}
	deps = slices.DeleteFunc(deps, func(d string) bool { return d == "" })
	slices.Sort(deps)
	return slices.Compact(deps)
}

// queueJSON gives every department its queue, empty ones included.
func queueJSON(departments []string, queue []store.QueueStat, now time.Time) []QueueJSON {
	out := make([]QueueJSON, 0, len(departments))
	for _, d := range departments {
		q := QueueJSON{Department: d}
		for _, qs := range queue {
			if qs.Department == d {
				q.Waiting = qs.Waiting
				q.LongestWaitSeconds = max(0, int(now.Sub(qs.OldestAt)/time.Second))
			}
		}
		out = append(out, q)
	}
	return out
}

// members returns the members of p's scope, offline ones included, by
// department then name. They are the union of three sources, by user id:
// the TaskRouter workers stored (their activity), everyone the presence
// tracker has seen connect since the service started (their presence),
// and in demo mode the demo users. A worker with no user id is listed by
// its worker SID. Admins are left out unless they are workers.
func (s *Server) members(ctx context.Context, p auth.Principal, scope store.Scope) ([]AgentJSON, error) {
	workers, err := s.store.Workers().List(ctx, scope)
	if err != nil {
		return nil, err
	}
	byID := map[string]*AgentJSON{}
	get := func(id string) *AgentJSON {
		a := byID[id]
		if a == nil {
			a = &AgentJSON{UserID: id, Presence: events.PresenceOffline}
			byID[id] = a
		}
		return a
	}
	fill := func(a *AgentJSON, name, role, department string) {
		if a.Name == "" {
			a.Name = name
		}
		if a.Role == "" {
			a.Role = role
		}
		if a.Department == "" {
			a.Department = department
		}
	}
	if s.cfg.Demo {
		for _, u := range DemoUsers {
			if sees(p, u.Department) {
				fill(get(u.UserID), u.Name, u.Role, u.Department)
			}
		}
	}
	for _, e := range s.presence.List(func(e presence.Entry) bool { return sees(p, e.Department) }) {
		a := get(e.UserID)
		a.Presence = e.Status
		fill(a, e.Name, e.Role, e.Department)
	}
	for _, wk := range workers {
		key := wk.UserID
		if key == "" {
			key = "worker:" + wk.SID
		}
		a := get(key)
		if wk.UserID == "" {
			a.UserID = ""
		}
		a.WorkerSID, a.Activity, a.WorkerStatus = wk.SID, strPtr(wk.ActivityName), strPtr(wk.Status)
		since := wk.EventAt
		a.ActivitySince = &since
		fill(a, wk.Name, "", wk.Department)
	}
	out := make([]AgentJSON, 0, len(byID))
	for _, a := range byID {
		if a.Role == events.RoleAdmin && a.WorkerSID == "" {
			continue // an admin is not on the floor, unless a worker
		}
		if a.Name == "" {
			a.Name = cmp.Or(a.UserID, a.WorkerSID)
		}
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b AgentJSON) int {
		if c := strings.Compare(a.Department, b.Department); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.UserID+a.WorkerSID, b.UserID+b.WorkerSID)
	})
	return out, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
