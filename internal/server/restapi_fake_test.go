package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/twilio"
	"github.com/kin-comms/kinrt/internal/twilio/twiliotest"
)

// The fake Twilio account of the REST API tests.
const (
	restPublicURL = "https://cc.example.com"
	restMediaMP3  = "ID3-fake-mp3-audio-bytes-0123456789"
	// restToken is the account's auth token (webhook signatures and REST
	// credentials): twilio-go refuses credentials that are not
	// alphanumeric, as Twilio's are, so the harness's twilioToken won't do.
	restToken = "0123456789abcdef0123456789abcdef"
)

var (
	restAccount   = restSID("AC", 7)
	restWorkspace = restSID("WS", 7)
	// activities the fake TaskRouter knows.
	restActAvailable = restSID("WA", 1)
	restActBreak     = restSID("WA", 2)
	// restRecording is the recording the fake Twilio serves itself;
	// restMovedRecording it redirects to its media storage, as Twilio
	// does, which must not get the account's credentials.
	restRecording      = restSID("RE", 1)
	restMovedRecording = restSID("RE", 5)
)

// restSID is a well-formed Twilio sid: prefix and 32 hex digits.
var restSID = twiliotest.SID

// newRestFakeTwilio is the fake Twilio of the account, whose sent
// messages' sids (SM…1001 on) are clear of the seeded ones.
func newRestFakeTwilio(t *testing.T) *twiliotest.Server {
	t.Helper()
	return twiliotest.New(t, twiliotest.Config{
		AccountSID: restAccount, AuthToken: restToken, WorkspaceSID: restWorkspace,
		Activities: map[string]twiliotest.Activity{restActAvailable: {Name: "Available", Available: true}, restActBreak: {Name: "Break"}},
		Recordings: map[string]string{restRecording: restMediaMP3}, Moved: map[string]string{restMovedRecording: restMediaMP3},
		MessageBase: 0x1000,
	})
}

// restEnv is a service wired to a fake Twilio, with helpers to call its
// REST API as a user.
type restEnv struct {
	t   *testing.T
	srv *server.Server
	hs  *httptest.Server
	tw  *twiliotest.Server
}

func newRestEnv(t *testing.T) *restEnv {
	t.Helper()
	tw := newRestFakeTwilio(t)
	srv, hs := startServer(t, func(c *config.Config) {
		c.PublicURL = restPublicURL
		c.TwilioAccountSID = restAccount
		c.TwilioAuthToken = restToken
		c.TwilioBaseURL = tw.URL
		c.WorkspaceSID = restWorkspace
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
	})
	return &restEnv{t: t, srv: srv, hs: hs, tw: tw}
}

func (e *restEnv) mint(p auth.Principal) string {
	e.t.Helper()
	tok, err := e.srv.Verifier().Mint(p, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// connect opens one socket per user (named by UserID) and fails unless
// all connected.
func (e *restEnv) connect(users ...auth.Principal) *nodeClients {
	e.t.Helper()
	var specs []clientSpec
	for _, p := range users {
		specs = append(specs, clientSpec{Name: p.UserID, Auth: map[string]string{"token": e.mint(p)}})
	}
	nc, results := startClients(e.t, e.hs.URL, specs)
	for n, r := range results {
		if string(r) != `"ok"` {
			e.t.Fatalf("%s: %s", n, r)
		}
	}
	return nc
}

// restResponse is an answer of the service.
type restResponse struct {
	Status int
	Header http.Header
	Body   string
}

// json decodes the body into v, failing the test if it is not JSON.
func (r restResponse) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", r.Status, r.Body, err)
	}
}

// do calls the service as the user of token ("" for no session).
func (e *restEnv) do(method, path, token, body string, hdr ...string) restResponse {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return restResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// expect calls the service and fails unless it answers status; an error
// answer must be JSON {"error": …} containing mention.
func (e *restEnv) expect(method, path, token, body string, status int, mention string) restResponse {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.Status != status {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, status)
	}
	if status >= 400 {
		var m map[string]string
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil || m["error"] == "" || !strings.Contains(m["error"], mention) {
			e.t.Errorf("%s %s: error answer %q, want {\"error\": …%s…}", method, path, r.Body, mention)
		}
	}
	return r
}

// webhook posts a Twilio webhook signed with the account's token.
func (e *restEnv) webhook(path string, f url.Values) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.hs.URL+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(restToken, restPublicURL+path, f))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// finish sends the end marker and returns, per user, the events received
// other than presence: [name, payload] with the name decoded.
func (e *restEnv) finish(nc *nodeClients) map[string][]restEvent {
	e.t.Helper()
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := e.srv.Broadcaster().BroadcastSystemNotification(e.t.Context(), end); err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]restEvent{}
	for who, evs := range nc.received() {
		for _, ev := range withoutPresence(evs) {
			var name string
			_ = json.Unmarshal(ev[0], &name)
			var payload map[string]any
			_ = json.Unmarshal(ev[1], &payload)
			out[who] = append(out[who], restEvent{Name: name, Payload: payload, Raw: string(ev[1])})
		}
	}
	return out
}

// restEvent is one event a socket received.
type restEvent struct {
	Name    string
	Payload map[string]any
	Raw     string
}

func restNames(evs []restEvent) string {
	var n []string
	for _, e := range evs {
		n = append(n, e.Name)
	}
	return strings.Join(n, " ")
}

// restPage is a list answer.
type restPage[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// restCollect follows nextCursor from path (which has a query) to the
// end, failing on a repeated key or more than max pages.
func restCollect[T any](e *restEnv, path, token string, key func(T) string, max int) (pages [][]T) {
	e.t.Helper()
	seen := map[string]bool{}
	cursor := ""
	for {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.expect(http.MethodGet, p, token, "", http.StatusOK, "")
		var page restPage[T]
		r.json(e.t, &page)
		if !strings.Contains(r.Body, `"nextCursor"`) {
			e.t.Errorf("GET %s: no nextCursor field in %s", p, r.Body)
		}
		for _, it := range page.Items {
			if seen[key(it)] {
				e.t.Errorf("GET %s: %s repeated across pages", p, key(it))
			}
			seen[key(it)] = true
		}
		pages = append(pages, page.Items)
		if page.NextCursor == nil {
			return pages
		}
		if len(pages) > max {
			e.t.Fatalf("GET %s: more than %d pages", path, max)
		}
		cursor = *page.NextCursor
	}
}
