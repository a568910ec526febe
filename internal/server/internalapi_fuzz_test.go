package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/limit"
)

// FuzzInternalAPI sends arbitrary bodies to POST /api/internal/events:
// the answer is 202 with the event's id or a 4xx with a JSON error, never
// a panic or a 5xx.
func FuzzInternalAPI(f *testing.F) {
	for _, seed := range []string{
		`{"type":"system_notification","data":{"level":"info","message":"hi","target":{"kind":"all"}}}`,
		`{"type":"voicemail_created","data":{"voicemailId":"v1","callSid":"CA1","from":"+1555","status":"new","department":"sales"}}`,
		`{"type":"user_presence_updated","data":{"userId":"u1","status":"online"}}`,
		`{"type":"nope","data":{}}`,
		`{"type":"system_notification","data":{"target":{"kind":"user"}}}`,
		`{"type":"","data":null}`,
		`[]`, `{`, ``, `{"type":"task_assigned","data":{"taskSid":1}}`,
	} {
		f.Add([]byte(seed))
	}
	s, _ := startServer(f, func(c *config.Config) {
		c.InternalAPIKey = internalKey
		c.Limits.APIRate = limit.Rate{} // the fuzzer is one client at full speed
	})
	srv := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/internal/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+internalKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var answer map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%d %q is not JSON: %v", rec.Code, rec.Body, err)
		}
		switch {
		case rec.Code == http.StatusAccepted:
			if id, _ := answer["id"].(string); id == "" {
				t.Fatalf("202 without an id: %s", rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if msg, _ := answer["error"].(string); msg == "" {
				t.Fatalf("%d without an error message: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("body %q: answered %d %s", body, rec.Code, rec.Body)
		}
	})
}
