// Package httpjson writes the service's JSON answers: one shape for
// everything, errors as {"error": "..."} with the right status.
package httpjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Write answers with status and v as JSON, not cached.
func Write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// ErrorAnswer is the body of every error answer.
type ErrorAnswer struct {
	// Error says what went wrong, for a person to read.
	Error string `json:"error"`
}

// Error answers {"error": message} with status.
func Error(w http.ResponseWriter, status int, message string) {
	Write(w, status, ErrorAnswer{Error: message})
}

// DecodeError answers a request body that json could not decode: 413 when
// it passed the http.MaxBytesReader limit, else 400 with message.
func DecodeError(w http.ResponseWriter, err error, message string) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		Error(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", tooLarge.Limit))
		return
	}
	Error(w, http.StatusBadRequest, message)
}
