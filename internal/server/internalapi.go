package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
)

// maxEventBody caps the body of the internal publish API.
const maxEventBody = 64 << 10

// publishEvent serves POST /api/internal/events: another service (the
// Next.js app) publishes an event of the catalog, routed by the same
// policy as the service's own.
func (s *Server) publishEvent(w http.ResponseWriter, r *http.Request) {
	if s.cfg.InternalAPIKey == "" {
		writeError(w, http.StatusNotFound, "the internal API is disabled (KIN_INTERNAL_API_KEY is not set)")
		return
	}
	if !s.internalKeyOK(r) {
		s.metrics.authFailures.WithLabelValues("internal-api").Inc()
		writeError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than 64 KiB")
			return
		}
		writeError(w, http.StatusBadRequest, "cannot read body")
		return
	}
	var req EventEnvelope
	// Fields other than type, data and room are refused rather than
	// ignored: a caller that believes it can widen or list the audience
	// ("rooms", "to") must learn that the routing policy decides it.
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	err = d.Decode(&req)
	if err == nil {
		if _, trailing := d.Token(); trailing != io.EOF {
			err = errors.New("data after the object")
		}
	}
	if err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			writeError(w, http.StatusBadRequest, unknownEnvelopeField(field))
			return
		}
		writeError(w, http.StatusBadRequest, "body must be a JSON object {\"type\": ..., \"data\": {...}}")
		return
	}
	if req.Type == "" {
		writeError(w, http.StatusBadRequest, "type: is required")
		return
	}
	if len(req.Data) == 0 {
		writeError(w, http.StatusBadRequest, "data: is required")
		return
	}
	e, err := events.Decode(req.Type, req.Data)
	if pe, ok := e.(*events.UserPresenceUpdated); ok && err == nil && s.presenceScope() == config.PresenceWatched {
		// The watched scope's routing: the user's room and watchers.
		if len(pe.Users) > 0 {
			err = &events.FieldError{Field: "users", Problem: "not supported with KIN_PRESENCE_SCOPE=watched: send one user's change at a time"}
		}
		pe.Watched = true
	}
	if err == nil && req.Room != "" {
		e, err = events.Narrow(e, req.Room)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.broadcaster.Publish(r.Context(), e); err != nil {
		s.log.ErrorContext(r.Context(), "publish", "type", req.Type, "err", err)
		writeError(w, http.StatusInternalServerError, "could not publish")
		return
	}
	writeJSON(w, http.StatusAccepted, Accepted{ID: e.EventID()})
}

// unknownEnvelopeField is the error message for a field of the body other
// than type and data; quoted is the field's name as encoding/json quotes it.
func unknownEnvelopeField(quoted string) string {
	name, err := strconv.Unquote(quoted)
	if err != nil {
		name = quoted
	}
	switch strings.ToLower(name) {
	case "rooms", "to":
		return name + ": not supported: an event goes to the rooms its routing policy gives from its data " +
			"(a record's department and assignee; a system_notification's target), or to one of them with \"room\""
	}
	return "unknown field " + strconv.Quote(name) + ": the body is {\"type\": ..., \"data\": {...}, \"room\"?: ...}"
}

// internalKeyOK compares the Bearer key in constant time (over hashes, so
// the length does not leak either).
func (s *Server) internalKeyOK(r *http.Request) bool {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(key))
	want := sha256.Sum256([]byte(s.cfg.InternalAPIKey))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
