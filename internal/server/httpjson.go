package server

import (
	"net/http"

	"github.com/kin-comms/kinrt/internal/httpjson"
)

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, message string) {
	httpjson.Error(w, status, message)
}
