package twilio_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
	_ "github.com/kin-comms/kinrt/internal/store/postgres"
	_ "github.com/kin-comms/kinrt/internal/store/sqlite"
	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/internal/twilio"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.ClosePostgres()
	os.Exit(code)
}

const (
	authToken   = "twilio-auth-token-for-webhook-tests"
	publicURL   = "https://cc.example.com"
	ourNumber   = "+15550002222"
	theCustomer = "+15557654321"
)

// backends are the stores the webhooks run on: each test runs on both.
var backends = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + t.TempDir() + "/kin.db" }},
	{"postgres", func(t *testing.T) string { return testenv.PostgresSchema(t) }},
}

// publisher records what the webhooks emit.
type publisher struct {
	mu     sync.Mutex
	events []events.Event
}

func (p *publisher) Publish(_ context.Context, e events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, e)
	return nil
}

// take returns the events emitted since the last take.
func (p *publisher) take() []events.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.events
	p.events = nil
	return out
}

// hooks is the webhook handlers on a store of their own.
type hooks struct {
	t   *testing.T
	st  store.Store
	pub *publisher
	mux *http.ServeMux
}

func newHooks(t *testing.T, databaseURL string) *hooks {
	t.Helper()
	st, err := store.Open(t.Context(), databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	pub := &publisher{}
	cfg := twilio.Config{AuthToken: authToken, PublicURL: publicURL,
		NumberDepartments: map[string]string{ourNumber: "support"}, ActivityEntry: activityEntry}
	wh, err := twilio.NewWebhooks(cfg, st, pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	wh.Register(mux)
	return &hooks{t: t, st: st, pub: pub, mux: mux}
}

// activityEntry journals an event as the service does (internal/server).
func activityEntry(e events.Event) (store.ActivityEntry, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return store.ActivityEntry{}, err
	}
	return store.ActivityEntry{ID: e.EventID(), Type: e.EventName(), Rooms: e.Rooms(), Payload: payload,
		OccurredAt: e.EventTime()}, nil
}

// post sends a webhook signed as Twilio signs it and returns the answer.
func (h *hooks) post(path string, kv ...string) (int, string) {
	h.t.Helper()
	form := url.Values{"AccountSid": {"AC00000000000000000000000000000000"}, "ApiVersion": {"2010-04-01"}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	r := httptest.NewRequest(http.MethodPost, "http://10.0.0.7:8080"+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", twilio.Sign(authToken, publicURL+path, form))
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// names returns the names of events.
func names(es []events.Event) string {
	var out []string
	for _, e := range es {
		out = append(out, e.EventName())
	}
	return strings.Join(out, ",")
}

// A signed webhook whose text PostgreSQL cannot store as it is (a NUL,
// bytes that are not UTF-8) is answered as any other and stored, with
// U+FFFD in their place, on both stores: answered 500, Twilio would retry
// it forever and it would never be stored.
func TestWebhookTextWithNULAndInvalidUTF8(t *testing.T) {
	tests := []struct {
		name string
		path string
		kv   []string
		// check looks at what was stored.
		check func(t *testing.T, h *hooks)
		want  string // the events emitted
	}{
		{"sms body with a NUL", "/api/webhooks/twilio/sms",
			[]string{"MessageSid", "SM1", "From", theCustomer, "To", ourNumber, "Body", "a\x00b"},
			func(t *testing.T, h *hooks) { wantBody(t, h, "SM1", "a\uFFFDb") }, "message_received,conversation_updated"},
		{"sms body not UTF-8", "/api/webhooks/twilio/sms",
			[]string{"MessageSid", "SM2", "From", theCustomer, "To", ourNumber, "Body", "\xff\xfe"},
			func(t *testing.T, h *hooks) { wantBody(t, h, "SM2", "\uFFFD") }, "message_received,conversation_updated"},
		{"sms from a number with a NUL", "/api/webhooks/twilio/sms",
			[]string{"MessageSid", "SM3\x00", "From", theCustomer + "\x00", "To", ourNumber, "Body", "hi"},
			func(t *testing.T, h *hooks) {
				m := wantBody(t, h, "SM3\uFFFD", "hi")
				if m.From != theCustomer+"\uFFFD" {
					t.Errorf("from = %q", m.From)
				}
			}, "message_received,conversation_updated"},
		{"voice from a NUL, caller name not UTF-8", "/api/webhooks/twilio/voice",
			[]string{"CallSid", "CA1", "From", theCustomer + "\x00", "To", ourNumber, "CallStatus", "ringing",
				"Direction", "inbound", "CallerName", "Ann\xc3("},
			func(t *testing.T, h *hooks) {
				c, err := h.st.Calls().Get(t.Context(), "CA1")
				if err != nil {
					t.Fatal(err)
				}
				if c.From != theCustomer+"\uFFFD" || c.CallerName != "Ann\uFFFD(" {
					t.Errorf("stored from %q, caller name %q", c.From, c.CallerName)
				}
			}, "call_incoming"},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := newHooks(t, b.url(t))
			for _, tc := range tests {
				for try := range 2 { // Twilio's retry: stored once, emitted once
					code, body := h.post(tc.path, tc.kv...)
					if code != http.StatusOK {
						t.Fatalf("%s, try %d: %d %s, want 200", tc.name, try, code, body)
					}
					want := tc.want
					if try > 0 {
						want = ""
					}
					emitted := h.pub.take()
					if got := names(emitted); got != want {
						t.Errorf("%s, try %d: emitted [%s], want [%s]", tc.name, try, got, want)
					}
					for _, e := range emitted {
						if e, ok := e.(*events.MessageReceived); ok {
							m := wantBody(t, h, e.MessageSID, e.Body)
							if e.From != m.From || e.To != m.To {
								t.Errorf("%s: emitted from %q to %q, stored from %q to %q", tc.name, e.From, e.To, m.From, m.To)
							}
						}
					}
				}
				tc.check(t, h)
			}
			// Every event was journaled, with the text as stored.
			log, err := h.st.Activity().List(t.Context(), store.ActivityQuery{Rooms: []string{"department-support"}, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != 7 {
				t.Errorf("activity log: %d entries, want 7", len(log))
			}
			for _, e := range log {
				if strings.Contains(string(e.Payload), `\u0000`) {
					t.Errorf("activity %s: %s", e.Type, e.Payload)
				}
			}
		})
	}
}

// wantBody checks the body of a stored message and returns the message.
func wantBody(t *testing.T, h *hooks, sid, body string) store.Message {
	t.Helper()
	m, err := h.st.Messages().Get(t.Context(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if m.Body != body {
		t.Errorf("%s: body %q, want %q", sid, m.Body, body)
	}
	return m
}

// Status callbacks are for outbound messages: one naming an inbound
// message is answered 204, as a callback that changes nothing is, so that
// Twilio does not retry it, and it changes and emits nothing.
func TestMessageStatusOfInboundMessage(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := newHooks(t, b.url(t))
			ctx := t.Context()
			if code, body := h.post("/api/webhooks/twilio/sms", "MessageSid", "SMin", "From", theCustomer, "To", ourNumber,
				"Body", "hello"); code != http.StatusOK {
				t.Fatalf("sms: %d %s", code, body)
			}
			in, err := h.st.Messages().Get(ctx, "SMin")
			if err != nil {
				t.Fatal(err)
			}
			conv, err := h.st.Conversations().Get(ctx, in.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.st.Messages().Create(ctx, store.Message{SID: "SMout", ConversationID: conv.ID,
				Direction: store.Outbound, From: ourNumber, To: theCustomer, Body: "hi", SentBy: "u1"}); err != nil {
				t.Fatal(err)
			}
			h.pub.take()

			tests := []struct {
				name, sid, status string
				emitted           string
				stored            string
			}{
				{"inbound, failed", "SMin", "failed", "", store.MessageReceived},
				{"inbound, read", "SMin", "read", "", store.MessageReceived},
				{"inbound, delivered", "SMin", "delivered", "", store.MessageReceived},
				{"outbound, sent", "SMout", "sent", "message_status_changed", store.MessageSent},
				{"outbound, failed", "SMout", "failed", "message_status_changed,system_notification", store.MessageFailed},
			}
			for _, tc := range tests {
				code, body := h.post("/api/webhooks/twilio/message-status", "MessageSid", tc.sid, "MessageStatus", tc.status,
					"ErrorCode", "30003")
				if code != http.StatusNoContent || body != "" {
					t.Errorf("%s: %d %q, want 204 without a body", tc.name, code, body)
				}
				if got := names(h.pub.take()); got != tc.emitted {
					t.Errorf("%s: emitted [%s], want [%s]", tc.name, got, tc.emitted)
				}
				m, err := h.st.Messages().Get(ctx, tc.sid)
				if err != nil {
					t.Fatal(err)
				}
				if m.Status != tc.stored {
					t.Errorf("%s: stored status %s, want %s", tc.name, m.Status, tc.stored)
				}
			}
			got, err := h.st.Messages().Get(ctx, "SMin")
			if err != nil {
				t.Fatal(err)
			}
			if got.ErrorCode != "" || !got.UpdatedAt.Equal(in.UpdatedAt) {
				t.Errorf("inbound message changed: %+v, was %+v", got, in)
			}
			if h, _ := h.st.Messages().History(ctx, "SMin"); len(h) != 1 {
				t.Errorf("inbound message's history: %+v, want its arrival only", h)
			}
		})
	}
}
