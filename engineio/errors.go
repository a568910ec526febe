package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
)

// requestError is a refused HTTP request, answered as the reference server
// does: a status and a JSON body {"code": n, "message": "..."}.
type requestError struct {
	status  int
	code    int
	message string
}

// The reference server's error codes and messages.
var (
	errUnknownTransport = requestError{http.StatusBadRequest, 0, "Transport unknown"}
	errUnknownSID       = requestError{http.StatusBadRequest, 1, "Session ID unknown"}
	errBadHandshake     = requestError{http.StatusBadRequest, 2, "Bad handshake method"}
	errBadRequest       = requestError{http.StatusBadRequest, 3, "Bad request"}
	errForbidden        = requestError{http.StatusForbidden, 4, "Forbidden"}
	errUnsupportedEIO   = requestError{http.StatusBadRequest, 5, "Unsupported protocol version"}
	errShuttingDown     = requestError{http.StatusServiceUnavailable, 3, "Server shutting down"}
	errAtCapacity       = requestError{http.StatusServiceUnavailable, 3, "Server at capacity, try again later"}
)

func (e requestError) with(message string) requestError {
	e.message = message
	return e
}

func (e requestError) write(w http.ResponseWriter) {
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.code, e.message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// Errors returned by Conn methods.
var (
	// ErrClosed is returned when sending on a closed connection.
	ErrClosed = errors.New("engineio: connection closed")
	// ErrSlowConsumer is returned when a send would overflow the
	// connection's queue; the connection is then closed.
	ErrSlowConsumer = errors.New("engineio: slow consumer")
)
