// Package api serves KIN Realtime's REST routes over the store: voicemails
// (with their recordings proxied from Twilio), SMS conversations (sending
// through the Twilio REST API) and TaskRouter workers, tasks and
// reservations (changed through the TaskRouter API). Each change that
// something observes is published as an event after it is stored.
//
// Presence and the activity feed are served by package server.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
	twtr "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/httpjson"
	"github.com/kin-comms/kinrt/internal/store"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 64 << 10

// twilioTimeout bounds each request to Twilio's REST API.
const twilioTimeout = 15 * time.Second

// Config configures the API.
type Config struct {
	// AccountSID and AuthToken are the Twilio REST credentials
	// (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN). Without them the routes
	// that call Twilio answer 503.
	AccountSID, AuthToken string
	// TwilioBaseURL replaces the scheme and host of every Twilio REST
	// request (api.twilio.com, taskrouter.twilio.com, recording media):
	// "" is Twilio's own. Tests point it at a local fake API.
	TwilioBaseURL string
	// PublicURL is the service's public base URL; outbound messages get
	// PublicURL + "/api/webhooks/twilio/message-status" as their status
	// callback.
	PublicURL string
	// WorkspaceSID is the TaskRouter workspace (KIN_TASKROUTER_WORKSPACE_SID).
	WorkspaceSID string
}

// Publisher is the event sink; *events.Broadcaster fits.
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// API serves the REST routes.
type API struct {
	cfg   Config
	st    store.Store
	pub   Publisher
	log   *slog.Logger
	base  *url.URL // parsed TwilioBaseURL, nil for Twilio's
	http  *http.Client
	msg   *twapi.ApiService
	tr    *twtr.ApiService
	twErr string // why Twilio cannot be called, "" if it can
}

// New returns the API. A malformed TwilioBaseURL disables the routes that
// call Twilio (they answer 503 and the problem is logged).
func New(cfg Config, st store.Store, pub Publisher, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{cfg: cfg, st: st, pub: pub, log: log}
	a.http = &http.Client{
		Timeout: twilioTimeout,
		// Twilio's answers are taken as they are (the twilio-go default);
		// media redirects are followed by the media proxy itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if cfg.TwilioBaseURL != "" {
		u, err := url.Parse(cfg.TwilioBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			a.twErr = "TwilioBaseURL is not an http(s) URL"
			log.Error("api: Twilio REST API disabled", "reason", a.twErr)
		}
		a.base = u
	}
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		a.twErr = "Twilio REST API is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)"
	}
	c := &twclient.Client{Credentials: twclient.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: a.http}
	c.SetAccountSid(cfg.AccountSID)
	var bc twclient.BaseClient = c
	if a.base != nil && a.twErr == "" {
		bc = &rebasedClient{Client: c, base: a.base}
	}
	rh := twclient.NewRequestHandler(bc)
	a.msg = twapi.NewApiService(rh)
	a.tr = twtr.NewApiService(rh)
	return a
}

// rebasedClient sends twilio-go's requests to another host: the generated
// services have their Twilio host built in, so the URL is rewritten just
// before it is sent, keeping its path and query.
type rebasedClient struct {
	*twclient.Client
	base *url.URL
}

// SendRequest rewrites rawURL onto the base URL and sends it.
func (c *rebasedClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return c.Client.SendRequest(method, rebase(c.base, u).String(), data, headers, body...)
}

func rebase(base, u *url.URL) *url.URL {
	n := *u
	n.Scheme, n.Host, n.User = base.Scheme, base.Host, nil
	n.Path = strings.TrimSuffix(base.Path, "/") + u.Path
	n.RawPath = ""
	return &n
}

// Register mounts the routes on mux, each behind authed (the session
// check, which gives the caller's Principal).
func (a *API) Register(mux *http.ServeMux, authed func(func(w http.ResponseWriter, r *http.Request, p auth.Principal)) http.HandlerFunc) {
	mux.HandleFunc("GET /api/voicemails", authed(a.listVoicemails))
	mux.HandleFunc("GET /api/voicemails/{id}", authed(a.getVoicemail))
	mux.HandleFunc("PATCH /api/voicemails/{id}", authed(a.patchVoicemail))
	mux.HandleFunc("GET /api/voicemails/{id}/media", authed(a.voicemailMedia))

	mux.HandleFunc("GET /api/conversations", authed(a.listConversations))
	mux.HandleFunc("GET /api/conversations/{id}/messages", authed(a.listMessages))
	mux.HandleFunc("POST /api/conversations/{id}/messages", authed(a.sendMessage))
	mux.HandleFunc("POST /api/conversations/{id}/read", authed(a.markRead))

	mux.HandleFunc("GET /api/taskrouter/workers", authed(a.listWorkers))
	mux.HandleFunc("PATCH /api/taskrouter/workers/{sid}", authed(a.patchWorker))
	mux.HandleFunc("GET /api/taskrouter/tasks", authed(a.listTasks))
	mux.HandleFunc("GET /api/taskrouter/offers", authed(a.listMyOffers))
	mux.HandleFunc("POST /api/taskrouter/reservations/{sid}/accept", authed(a.acceptReservation))
	mux.HandleFunc("POST /api/taskrouter/reservations/{sid}/reject", authed(a.rejectReservation))
}

// --- authorization -------------------------------------------------------

func isAdmin(p auth.Principal) bool { return p.Role == events.RoleAdmin }

// sees reports whether p may see records of department: admins see all,
// everyone else their own department.
func sees(p auth.Principal, department string) bool {
	return isAdmin(p) || (p.Department != "" && p.Department == department)
}

// scope is the store scope of p's lists.
func scope(p auth.Principal) store.Scope {
	if isAdmin(p) {
		return store.AllDepartments()
	}
	if p.Department == "" {
		return store.Scope{}
	}
	return store.InDepartments(p.Department)
}

// --- answers ---------------------------------------------------------------

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, message string) {
	httpjson.Error(w, status, message)
}

// List is the answer of every list route: a page of items and the cursor
// of the next page (null on the last).
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func newList[S any, T any](items []S, next string, conv func(S) T) List[T] {
	l := List[T]{Items: make([]T, 0, len(items))}
	for _, x := range items {
		l.Items = append(l.Items, conv(x))
	}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// storeError answers a store error: 404 for ErrNotFound (named what),
// 400 for ErrInvalid, else 500 (logged).
func (a *API) storeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, what+" not found")
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, invalidMessage(err))
	default:
		a.log.ErrorContext(r.Context(), "api: store", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// invalidMessage keeps what the store says after "invalid input: ".
func invalidMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, store.ErrInvalid.Error()+": "); i >= 0 {
		return msg[i+len(store.ErrInvalid.Error())+2:]
	}
	return msg
}

// twilioError answers 502 for a failed Twilio REST request.
func (a *API) twilioError(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.log.WarnContext(r.Context(), "api: Twilio REST request failed", "request", what, "err", err)
	var re *twclient.TwilioRestError
	var re1 *twclient.RestErrorV1
	switch {
	case errors.As(err, &re):
		writeError(w, http.StatusBadGateway, fmt.Sprintf("Twilio refused to %s: %s (error %d)", what, re.Message, re.Code))
	case errors.As(err, &re1):
		writeError(w, http.StatusBadGateway, fmt.Sprintf("Twilio refused to %s: %s (error %d)", what, re1.Message, re1.Code))
	default:
		writeError(w, http.StatusBadGateway, "could not reach Twilio to "+what)
	}
}

// twilioReady answers 503 and returns false when Twilio cannot be called.
func (a *API) twilioReady(w http.ResponseWriter) bool {
	if a.twErr != "" {
		writeError(w, http.StatusServiceUnavailable, a.twErr)
		return false
	}
	return true
}

// publish emits events after their change was stored; a failure is
// logged (the change stands).
func (a *API) publish(ctx context.Context, evs ...events.Event) {
	for _, e := range evs {
		if err := a.pub.Publish(context.WithoutCancel(ctx), e); err != nil {
			a.log.ErrorContext(ctx, "api: publish", "event", e.EventName(), "err", err)
		}
	}
}

// --- requests --------------------------------------------------------------

// readObject reads a JSON object body of at most MaxBodyBytes into its
// fields. It answers 413 or 400 itself and returns false on failure.
func readObject(w http.ResponseWriter, r *http.Request, shape string) (map[string]json.RawMessage, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body is larger than 64 KiB")
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "could not read the body")
		return nil, false
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		writeError(w, http.StatusBadRequest, "body must be a JSON object "+shape)
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "body must be a JSON object "+shape)
		return nil, false
	}
	return m, true
}

// jsonFields returns the JSON names of the fields of the struct v, the
// request bodies' types (VoicemailPatch…), so that a handler that reads a
// body field by field accepts exactly the fields the type (and the API
// document made from it) names.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// onlyFields answers 400 if m has a field not in allowed.
func onlyFields(w http.ResponseWriter, m map[string]json.RawMessage, allowed ...string) bool {
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			writeError(w, http.StatusBadRequest, "unknown field "+strconv.Quote(k))
			return false
		}
	}
	return true
}

// stringField decodes m[key] as a string. present is false if absent;
// null gives isNull. A value of another type answers 400.
func stringField(w http.ResponseWriter, m map[string]json.RawMessage, key string) (s string, present, isNull, ok bool) {
	raw, present := m[key]
	if !present {
		return "", false, false, true
	}
	if string(raw) == "null" {
		return "", true, true, true
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		writeError(w, http.StatusBadRequest, key+": must be a string")
		return "", true, false, false
	}
	return s, true, false, true
}

// pageParams reads ?cursor= and ?limit= (1 to store.MaxPageSize).
func pageParams(w http.ResponseWriter, r *http.Request) (cursor string, limit int, ok bool) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			writeError(w, http.StatusBadRequest, "limit: must be 1 to "+strconv.Itoa(store.MaxPageSize))
			return "", 0, false
		}
		limit = n
	}
	return q.Get("cursor"), limit, true
}

// validSID reports whether s looks like a Twilio sid with that prefix:
// two letters and 32 hex digits.
func validSID(s, prefix string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, c := range s[2:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
