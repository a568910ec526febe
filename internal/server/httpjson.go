package server

import (
	"net/http"

	"github.com/kin-comms/kinrt/internal/httpjson"
)

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, message string) {
	httpjson.Error(w, status, message)
}

// writeDecodeError answers a body json could not decode: 413 past the
// MaxBytesReader limit, else 400 with message.
func writeDecodeError(w http.ResponseWriter, err error, message string) {
	httpjson.DecodeError(w, err, message)
}
