package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/httpjson"
	"github.com/kin-comms/kinrt/internal/store"
)

// Publisher emits events (events.Broadcaster fits).
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Config configures the webhook handlers.
type Config struct {
	// AuthToken is TWILIO_AUTH_TOKEN, the key of the signatures.
	AuthToken string
	// PublicURL is the base URL Twilio calls (KIN_PUBLIC_URL).
	PublicURL string
	// NumberDepartments maps our numbers to departments; others are
	// events.DefaultDepartment.
	NumberDepartments map[string]string
	// WorkflowSID (KIN_TASKROUTER_WORKFLOW_SID), when set, sends inbound
	// calls to TaskRouter; otherwise they go to voicemail.
	WorkflowSID string
	// Greeting is what the voicemail flow says. Default: a short
	// apology.
	Greeting string
	// ActivityEntry turns an event into its entry of the activity log.
	// When set, each webhook stamps its events (events.Stamp), appends
	// their entries in its own transaction and marks them journaled
	// (events.MarkJournaled), so that the entries commit with the records
	// and the publisher's observers need not write them again. When nil,
	// the events are published unjournaled.
	ActivityEntry func(events.Event) (store.ActivityEntry, error)
	// Tracer, when set, records the signature check of each webhook
	// served within a recording span (the request's) as a span of its
	// own, twilio.verify. Nil: not traced, at the cost of a nil check.
	Tracer trace.Tracer
}

// Webhooks serves Twilio's and TaskRouter's webhooks: verify, store, then
// emit, once.
type Webhooks struct {
	cfg      Config
	verifier *Verifier
	store    store.Store
	pub      Publisher
	log      *slog.Logger
}

// NewWebhooks returns the handlers.
func NewWebhooks(cfg Config, st store.Store, pub Publisher, log *slog.Logger) (*Webhooks, error) {
	v, err := NewVerifier(cfg.AuthToken, cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if cfg.Greeting == "" {
		cfg.Greeting = "Sorry, nobody can take your call. Please leave a message after the tone."
	}
	cfg.PublicURL = v.publicURL
	return &Webhooks{cfg: cfg, verifier: v, store: st, pub: pub, log: log}, nil
}

// Register mounts the routes on mux.
func (h *Webhooks) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/webhooks/twilio/voice", h.serve(h.voice, "CallSid", "From", "To"))
	mux.HandleFunc("POST /api/webhooks/twilio/status", h.serve(h.status, "CallSid", "CallStatus"))
	mux.HandleFunc("POST /api/webhooks/twilio/recording", h.serve(h.recording, "CallSid", "RecordingSid", "RecordingStatus"))
	mux.HandleFunc("POST /api/webhooks/twilio/sms", h.serve(h.sms, "MessageSid", "From", "To"))
	mux.HandleFunc("POST /api/webhooks/twilio/message-status", h.serve(h.messageStatus, "MessageSid", "MessageStatus"))
	mux.HandleFunc("POST /api/webhooks/taskrouter", h.serve(h.taskRouter, "EventType"))
}

// reply is what a webhook answers.
type reply struct {
	status      int
	contentType string
	body        string
}

var noContent = reply{status: http.StatusNoContent}

// webhook does one webhook's work inside a transaction and returns the
// events to emit once it has committed.
type webhook func(ctx context.Context, tx store.Tx, r *http.Request, f Form) (reply, []events.Event, error)

// serve verifies, checks the required parameters, runs w in a transaction
// that also journals its events (see journal) and emits them after the
// commit.
func (h *Webhooks) serve(w webhook, required ...string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		f, err := h.verify(rw, r)
		switch {
		case errors.Is(err, ErrSignature):
			h.log.WarnContext(r.Context(), "webhook refused: bad signature", "path", r.URL.Path, "addr", r.RemoteAddr)
			// The URL verified against is the public URL (public anyway)
			// and the path routed here: it tells a misconfigured sender
			// what to sign, and nothing of the token.
			writeError(rw, http.StatusForbidden, "invalid Twilio signature: verified against "+h.cfg.PublicURL+r.URL.Path+
				" (KIN_PUBLIC_URL, the path and any query), with TWILIO_AUTH_TOKEN")
			return
		case errors.Is(err, ErrTooLarge):
			writeError(rw, http.StatusRequestEntityTooLarge, "body too large")
			return
		case err != nil:
			writeError(rw, http.StatusBadRequest, err.Error())
			return
		}
		if err := f.Require(required...); err != nil {
			writeError(rw, http.StatusBadRequest, err.Error())
			return
		}
		var (
			rep  reply
			emit []events.Event
		)
		err = h.store.WithTx(r.Context(), func(tx store.Tx) error {
			var err error
			rep, emit, err = w(r.Context(), tx, r, f) // run again on a retry: nothing leaks out
			if err != nil {
				return err
			}
			emit, err = h.journal(r.Context(), tx, emit)
			return err
		})
		if err != nil {
			var bad *badInput
			if errors.As(err, &bad) {
				writeError(rw, http.StatusBadRequest, bad.Error())
				return
			}
			h.log.ErrorContext(r.Context(), "webhook failed", "path", r.URL.Path, "err", err)
			writeError(rw, http.StatusInternalServerError, "could not store the webhook")
			return
		}
		// Back to back: their activity entries are already stored.
		for _, e := range emit {
			if err := h.pub.Publish(context.WithoutCancel(r.Context()), e); err != nil {
				h.log.ErrorContext(r.Context(), "emit", "event", e.EventName(), "err", err)
			}
		}
		writeReply(rw, rep)
	}
}

// verify reads and verifies r's form (Verifier.Read), in a span
// twilio.verify when a tracer is set and r is traced. The span's status
// says which check failed, in words of its own: never the form's content.
func (h *Webhooks) verify(rw http.ResponseWriter, r *http.Request) (Form, error) {
	if h.cfg.Tracer == nil || !trace.SpanFromContext(r.Context()).IsRecording() {
		return h.verifier.Read(rw, r)
	}
	_, span := h.cfg.Tracer.Start(r.Context(), "twilio.verify")
	defer span.End()
	f, err := h.verifier.Read(rw, r)
	switch {
	case err == nil:
	case errors.Is(err, ErrSignature):
		span.SetStatus(codes.Error, "invalid signature")
	case errors.Is(err, ErrTooLarge):
		span.SetStatus(codes.Error, "body too large")
	default:
		span.SetStatus(codes.Error, "unreadable form")
	}
	return f, err
}

// journal stamps the events of a webhook and appends their activity
// entries in its transaction tx, marking them journaled. An event that
// does not validate is logged and left out, as Publish would refuse it;
// it does not fail the webhook, whose records are good. journal returns
// the events to publish once tx has committed.
func (h *Webhooks) journal(ctx context.Context, tx store.Tx, emit []events.Event) ([]events.Event, error) {
	if h.cfg.ActivityEntry == nil {
		return emit, nil
	}
	out := make([]events.Event, 0, len(emit))
	for _, e := range emit {
		if err := events.Stamp(e); err != nil {
			h.log.ErrorContext(ctx, "emit", "event", e.EventName(), "err", err)
			continue
		}
		entry, err := h.cfg.ActivityEntry(e)
		if err != nil {
			return nil, fmt.Errorf("activity entry of %s: %w", e.EventName(), err)
		}
		if _, err := tx.Activity().Append(ctx, entry); err != nil {
			return nil, fmt.Errorf("activity entry of %s: %w", e.EventName(), err)
		}
		events.MarkJournaled(e)
		out = append(out, e)
	}
	return out, nil
}

// badInput is a webhook whose parameters are unusable (400).
type badInput struct{ msg string }

func (e *badInput) Error() string { return e.msg }

func writeReply(w http.ResponseWriter, r reply) {
	if r.contentType != "" {
		w.Header().Set("Content-Type", r.contentType)
	}
	w.WriteHeader(r.status)
	if r.body != "" {
		_, _ = w.Write([]byte(r.body))
	}
}

func writeError(w http.ResponseWriter, status int, msg string) { httpjson.Error(w, status, msg) }

func twimlReply(s string, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, contentType: "text/xml", body: s}, nil
}

// department returns the department of one of our numbers.
func (h *Webhooks) department(ourNumber string) string {
	if d := h.cfg.NumberDepartments[ourNumber]; d != "" {
		return d
	}
	return events.DefaultDepartment
}

// ourNumber is the side of a call or message that is ours.
func ourNumber(f Form) string {
	if d := f.Get("Direction"); d == "outbound-api" || d == "outbound-dial" || d == "outbound" {
		return f.Get("From")
	}
	return f.Get("To")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// twilioTime parses Twilio's RFC 2822 Timestamp (zero if absent or bad).
func twilioTime(s string) time.Time {
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
