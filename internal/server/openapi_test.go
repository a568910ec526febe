package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/kin-comms/kinrt/internal/auth"
	kinconfig "github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/internal/twilio"
)

// apiDoc is the served API document, parsed for the validator and for
// the tests' own look-ups.
type apiDoc struct {
	v   validator.Validator
	ops map[string]map[string]bool // "METHOD /path/{template}" → documented statuses
	res []opPattern
}

type opPattern struct {
	method, template string
	re               *regexp.Regexp
}

// loadAPIDoc fetches GET /api/openapi.json from base (no session) and
// checks it is a valid OpenAPI 3.1 document.
func loadAPIDoc(t *testing.T, base string) *apiDoc {
	t.Helper()
	resp, err := http.Get(base + server.OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s %.200s", server.OpenAPIPath, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatalf("the document does not parse: %v", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("the document is OpenAPI %s, want 3.1", v)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("the document breaks the OpenAPI 3.1 schema: %s", describeError(e))
		}
		t.FailNow()
	}
	var raw struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	d := &apiDoc{v: v, ops: map[string]map[string]bool{}}
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	for p, item := range raw.Paths {
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
		for m, op := range item {
			m = strings.ToUpper(m)
			statuses := map[string]bool{}
			for st := range op.Responses {
				statuses[st] = true
			}
			d.ops[m+" "+p] = statuses
			d.res = append(d.res, opPattern{m, p, re})
		}
	}
	return d
}

// operation returns "METHOD /template" of the documented operation that
// serves method and path, or "".
func (d *apiDoc) operation(method, path string) string {
	for _, o := range d.res {
		if o.method == method && o.re.MatchString(path) {
			return method + " " + o.template
		}
	}
	return ""
}

// describeError says what the validator found, with the schema's
// failures.
func describeError(e *verrors.ValidationError) string {
	msg := e.Message + ": " + e.Reason
	for _, f := range e.SchemaValidationErrors {
		msg += fmt.Sprintf("; %s at %s (%s)", f.Reason, f.FieldPath, f.KeywordLocation)
	}
	return msg
}

// apiCase is one request of TestOpenAPIConformance and what it must get.
type apiCase struct {
	method, path string
	token        string     // Authorization: Bearer
	body         string     // JSON
	form         url.Values // a webhook's form, signed unless badSig
	badSig       bool
	header       []string // more headers, name then value
	status       int
	// invalid: the request breaks the document (missing credentials, a
	// parameter or body its schema refuses); the validator must say so.
	// Bad input the document cannot tell (an id that does not exist) is
	// a valid request with an error answer.
	invalid bool
}

// exchange sends c to base and validates the request and the answer
// against d; it returns the operation and the answer's status.
func (d *apiDoc) exchange(t *testing.T, base string, c apiCase) (op string, status int) {
	t.Helper()
	name := fmt.Sprintf("%s %s (%d)", c.method, c.path, c.status)
	body := []byte(c.body)
	newReq := func(target string) *http.Request {
		req, err := http.NewRequest(c.method, target+c.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		switch {
		case c.form != nil:
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if !c.badSig {
				req.Header.Set("X-Twilio-Signature", twilio.Sign(restToken, restPublicURL+c.path, c.form))
			} else {
				req.Header.Set("X-Twilio-Signature", "forged")
			}
		case c.body != "":
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(c.header); i += 2 {
			req.Header.Set(c.header[i], c.header[i+1])
		}
		return req
	}
	if c.form != nil {
		body = []byte(c.form.Encode())
	}
	resp, err := http.DefaultClient.Do(newReq(base))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != c.status {
		t.Errorf("%s: answered %d %.300s", name, resp.StatusCode, got)
	}
	op = d.operation(c.method, strings.SplitN(c.path, "?", 2)[0])
	if op == "" {
		t.Errorf("%s: no operation of the document serves it", name)
		return "", resp.StatusCode
	}
	if !d.ops[op][strconv.Itoa(resp.StatusCode)] {
		t.Errorf("%s: status %d is not documented for %s", name, resp.StatusCode, op)
	}
	// The validator reads the request as the server got it: on the
	// document's (serverless) paths.
	reqOK, reqErrs := d.v.ValidateHttpRequest(newReq(""))
	switch {
	case c.invalid && reqOK:
		t.Errorf("%s: the document accepts this request, which breaks it", name)
	case !c.invalid && !reqOK:
		for _, e := range reqErrs {
			t.Errorf("%s: the request breaks the document: %s", name, describeError(e))
		}
	}
	answer := &http.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(got)), Request: newReq("")}
	if ok, errs := d.v.ValidateHttpResponse(newReq(""), answer); !ok {
		for _, e := range errs {
			t.Errorf("%s: the answer breaks the document: %s (%.300s)", name, describeError(e), got)
		}
	}
	if resp.StatusCode >= 400 {
		var e struct{ Error string }
		if json.Unmarshal(got, &e) != nil || e.Error == "" {
			t.Errorf("%s: error answer %.200s is not {\"error\": …}", name, got)
		}
	}
	return op, resp.StatusCode
}

// TestOpenAPIConformance sends every documented route's requests (a
// success, and the errors: bad input, no session, a foreign role or
// department, not found, too large, rate limited, Twilio not configured)
// to a real service with a fake Twilio, and checks each request and
// answer against the served document with libopenapi-validator. Every
// operation of the document must have been answered with a success and
// an error.
func TestOpenAPIConformance(t *testing.T) {
	t.Parallel()
	tw := newRestFakeTwilio(t)
	srv, hs := startServer(t, func(c *kinconfig.Config) {
		c.PublicURL = restPublicURL
		c.TwilioAccountSID = restAccount
		c.TwilioAuthToken = restToken
		c.TwilioBaseURL = tw.URL
		c.WorkspaceSID = restWorkspace
		c.InternalAPIKey = internalKey
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
		c.Limits.APIRate = limit.Rate{PerSecond: 1000, Burst: 1000}
	})
	doc := loadAPIDoc(t, hs.URL)
	ctx := t.Context()
	st := srv.Store()
	env := &restEnv{t: t, srv: srv, hs: hs, tw: tw}
	sue := auth.Principal{UserID: "sue", Name: "Sue", Role: events.RoleSupervisor, Department: "sales"}
	sally, pat, ada, supervisor := env.mint(restSally), env.mint(restPat), env.mint(restAda), env.mint(sue)

	// The records the requests are about.
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	recURL := "https://api.twilio.com/2010-04-01/Accounts/" + restAccount + "/Recordings/" + restRecording
	vm, _, err := st.Voicemails().Create(ctx, store.Voicemail{CallSID: restSID("CA", 1), RecordingSID: restRecording, RecordingURL: recURL,
		From: customer, To: salesNumber, Department: "sales", DurationSeconds: 12, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	vmSupport, _, err := st.Voicemails().Create(ctx, store.Voicemail{CallSID: restSID("CA", 2), RecordingSID: restSID("RE", 2), RecordingURL: recURL,
		From: customer, To: supportNumber, Department: "support", DurationSeconds: 5, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	salesConv, _, err := st.Conversations().Ensure(ctx, salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	supportConv, _, err := st.Conversations().Ensure(ctx, supportNumber, customer, "support")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Messages().Create(ctx, store.Message{SID: restSID("SM", 1), ConversationID: salesConv.ID, Direction: store.Inbound,
		From: customer, To: salesNumber, Body: "hello", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	wk := map[string]string{"sally": restSID("WK", 1), "sam": restSID("WK", 2), "pat": restSID("WK", 3)}
	for _, p := range []auth.Principal{restSally, restSam, restPat} {
		if _, err := st.Workers().Upsert(ctx, store.Worker{SID: wk[p.UserID], Name: p.Name, ActivitySID: restActAvailable, ActivityName: "Available",
			Available: true, UserID: p.UserID, Department: p.Department, Version: 1, EventAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	task := restSID("WT", 1)
	if _, err := st.Tasks().Upsert(ctx, store.Task{SID: task, Status: store.TaskReserved, Attributes: json.RawMessage(`{"department":"sales"}`),
		Department: "sales", Channel: "voice", Version: 1, EventAt: at}); err != nil {
		t.Fatal(err)
	}
	offer, samsOffer := restSID("WR", 1), restSID("WR", 2)
	for sid, worker := range map[string]string{offer: wk["sally"], samsOffer: wk["sam"]} {
		if _, err := st.Tasks().UpsertReservation(ctx, store.Reservation{SID: sid, TaskSID: task, WorkerSID: worker,
			Status: store.ReservationPending, Version: 1, EventAt: at}); err != nil {
			t.Fatal(err)
		}
	}

	notification := `{"level":"info","title":"Hi","message":"Standup at ten","target":{"kind":"all"}}`
	cookie := []string{"Cookie", auth.CookieNextAuth + "=" + sally, "Origin", "https://app.example", "Sec-Fetch-Site", "cross-site"}
	evil := []string{"Origin", "https://evil.example"}
	cases := []apiCase{
		{method: "GET", path: "/healthz", status: 200},
		{method: "GET", path: "/readyz", status: 200},
		{method: "GET", path: server.OpenAPIPath, status: 200},

		{method: "GET", path: "/api/me", token: sally, status: 200},
		{method: "GET", path: "/api/me", status: 401, invalid: true},
		{method: "GET", path: "/api/me", token: "not-a-session", status: 401},

		{method: "GET", path: "/api/presence", token: sally, status: 200},
		{method: "GET", path: "/api/presence", status: 401, invalid: true},
		{method: "PUT", path: "/api/presence/me", token: sally, body: `{"status":"away"}`, status: 200},
		{method: "PUT", path: "/api/presence/me", token: sally, body: `{"status":"gone"}`, status: 400, invalid: true},
		{method: "PUT", path: "/api/presence/me", token: sally, body: `not json`, status: 400, invalid: true},
		{method: "PUT", path: "/api/presence/me", token: sally, body: `{"status":"` + strings.Repeat("x", 5000) + `"}`, status: 413, invalid: true},
		{method: "PUT", path: "/api/presence/me", token: sally, body: `{"status":"busy"}`, header: evil, status: 403},

		{method: "GET", path: "/api/activity", token: sally, status: 200},
		{method: "GET", path: "/api/activity?since=2020-01-02T03:04:05Z&limit=10", token: sally, status: 200},
		{method: "GET", path: "/api/activity?limit=0", token: sally, status: 400, invalid: true},

		{method: "GET", path: "/api/stats", token: ada, status: 200},
		{method: "GET", path: "/api/stats", token: sally, status: 200},
		{method: "GET", path: "/api/stats", status: 401, invalid: true},

		{method: "POST", path: "/api/notifications", token: ada, body: notification, status: 202},
		{method: "POST", path: "/api/notifications", token: sally, body: notification, status: 403},
		{method: "POST", path: "/api/notifications", token: supervisor, body: `{"level":"info","title":"t","message":"m","target":{"kind":"department","value":"support"}}`, status: 403},
		{method: "POST", path: "/api/notifications", token: ada, body: `{"level":"loud","title":"t","message":"m","target":{"kind":"all"}}`, status: 400, invalid: true},
		{method: "POST", path: "/api/notifications", token: ada, body: `{"level":"info","title":"t","message":"m","target":{"kind":"all"},"to":"x"}`, status: 400, invalid: true},

		{method: "GET", path: "/api/voicemails", token: sally, status: 200},
		{method: "GET", path: "/api/voicemails?status=new&assignee=me&limit=5", token: sally, status: 200},
		{method: "GET", path: "/api/voicemails?status=deleted", token: sally, status: 400, invalid: true},
		{method: "GET", path: "/api/voicemails?limit=201", token: sally, status: 400, invalid: true},
		{method: "GET", path: "/api/voicemails?cursor=garbage", token: sally, status: 400},
		{method: "GET", path: "/api/voicemails/" + vm.ID, token: sally, status: 200},
		{method: "GET", path: "/api/voicemails/" + vmSupport.ID, token: sally, status: 404},
		{method: "GET", path: "/api/voicemails/no-such-id", token: ada, status: 404},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: sally, body: `{"status":"listened","assignedTo":"me","notes":"called back"}`, status: 200},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: sally, body: `{"assignedTo":null}`, status: 200},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: sally, body: `{"color":"red"}`, status: 400, invalid: true},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: sally, body: `{"status":null}`, status: 400, invalid: true},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: sally, body: `{"notes":"` + strings.Repeat("x", 70<<10) + `"}`, status: 413, invalid: true},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, token: pat, body: `{"status":"archived"}`, status: 404},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, body: `{"status":"archived"}`, status: 401, invalid: true},
		{method: "PATCH", path: "/api/voicemails/" + vm.ID, body: `{"status":"archived"}`, header: cookie, status: 403},
		{method: "GET", path: "/api/voicemails/" + vm.ID + "/media", token: sally, status: 200},
		{method: "GET", path: "/api/voicemails/" + vm.ID + "/media", token: sally, header: []string{"Range", "bytes=0-3"}, status: 206},
		{method: "GET", path: "/api/voicemails/" + vmSupport.ID + "/media", token: sally, status: 404},

		{method: "GET", path: "/api/conversations", token: sally, status: 200},
		{method: "GET", path: "/api/conversations?limit=x", token: sally, status: 400, invalid: true},
		{method: "GET", path: "/api/conversations/" + salesConv.ID + "/messages?limit=10", token: sally, status: 200},
		{method: "GET", path: "/api/conversations/" + supportConv.ID + "/messages", token: sally, status: 404},
		{method: "POST", path: "/api/conversations/" + salesConv.ID + "/messages", token: sally, body: `{"body":"On our way"}`, status: 201},
		{method: "POST", path: "/api/conversations/" + salesConv.ID + "/messages", token: sally, body: `{"body":""}`, status: 400, invalid: true},
		{method: "POST", path: "/api/conversations/" + salesConv.ID + "/messages", token: sally, body: `{"body":"x","to":"+1555"}`, status: 400, invalid: true},
		{method: "POST", path: "/api/conversations/" + supportConv.ID + "/messages", token: sally, body: `{"body":"x"}`, status: 404},
		{method: "POST", path: "/api/conversations/" + salesConv.ID + "/read", token: sally, status: 200},
		{method: "POST", path: "/api/conversations/" + supportConv.ID + "/read", token: sally, status: 404},

		{method: "GET", path: "/api/taskrouter/workers", token: sally, status: 200},
		{method: "GET", path: "/api/taskrouter/workers", status: 401, invalid: true},
		{method: "PATCH", path: "/api/taskrouter/workers/" + wk["sally"], token: sally, body: `{"activitySid":"` + restActBreak + `"}`, status: 200},
		{method: "PATCH", path: "/api/taskrouter/workers/" + wk["sam"], token: sally, body: `{"activitySid":"` + restActBreak + `"}`, status: 403},
		{method: "PATCH", path: "/api/taskrouter/workers/" + wk["sally"], token: pat, body: `{"activitySid":"` + restActBreak + `"}`, status: 404},
		{method: "PATCH", path: "/api/taskrouter/workers/" + wk["sally"], token: sally, body: `{"activitySid":"nope"}`, status: 400, invalid: true},
		{method: "GET", path: "/api/taskrouter/tasks", token: sally, status: 200},
		{method: "GET", path: "/api/taskrouter/tasks?worker=" + wk["sally"] + "&limit=2", token: ada, status: 200},
		{method: "GET", path: "/api/taskrouter/tasks?limit=0", token: sally, status: 400, invalid: true},
		{method: "GET", path: "/api/taskrouter/offers", token: sally, status: 200},
		{method: "GET", path: "/api/taskrouter/offers", status: 401, invalid: true},
		{method: "POST", path: "/api/taskrouter/reservations/" + samsOffer + "/accept", token: sally, status: 403},
		{method: "POST", path: "/api/taskrouter/reservations/" + offer + "/accept", token: pat, status: 404},
		{method: "POST", path: "/api/taskrouter/reservations/" + offer + "/accept", token: sally, status: 200},
		{method: "POST", path: "/api/taskrouter/reservations/" + restSID("WR", 9) + "/reject", token: ada, status: 404},
		{method: "POST", path: "/api/taskrouter/reservations/" + samsOffer + "/reject", token: ada, status: 200},

		{method: "POST", path: "/api/internal/events", token: internalKey, body: `{"type":"system_notification","data":` + notification + `}`, status: 202},
		{method: "POST", path: "/api/internal/events", token: internalKey, body: `{"type":"voicemail_updated","data":{"voicemailId":"v1","department":"sales","status":"new"},"room":"department-sales"}`, status: 202},
		{method: "POST", path: "/api/internal/events", token: "wrong-key", body: `{"type":"system_notification","data":` + notification + `}`, status: 401},
		{method: "POST", path: "/api/internal/events", body: `{"type":"system_notification","data":` + notification + `}`, status: 401, invalid: true},
		{method: "POST", path: "/api/internal/events", token: internalKey, body: `{"type":"no_such_event","data":{}}`, status: 400, invalid: true},
		{method: "POST", path: "/api/internal/events", token: internalKey, body: `{"type":"system_notification","data":` + notification + `,"rooms":["x"]}`, status: 400, invalid: true},
		{method: "POST", path: "/api/internal/events", token: internalKey, body: `{"type":"system_notification","data":"` + strings.Repeat("x", 70<<10) + `"}`, status: 413, invalid: true},

		{method: "POST", path: "/api/webhooks/twilio/voice", form: form("CallSid", "CA9", "From", customer, "To", salesNumber, "CallStatus", "ringing", "Direction", "inbound"), status: 200},
		{method: "POST", path: "/api/webhooks/twilio/voice", form: form("CallSid", "CA9"), status: 400},
		{method: "POST", path: "/api/webhooks/twilio/status", form: form("CallSid", "CA9", "CallStatus", "completed", "CallDuration", "4", "From", customer, "To", salesNumber), status: 204},
		{method: "POST", path: "/api/webhooks/twilio/status", form: form("CallSid", "CA9", "CallStatus", "completed"), badSig: true, status: 403},
		{method: "POST", path: "/api/webhooks/twilio/recording?kind=voicemail", form: form("CallSid", "CA9", "RecordingSid", "RE9", "RecordingStatus", "completed",
			"RecordingUrl", "https://api.twilio.com/rec/RE9", "RecordingDuration", "3", "RecordingSource", "RecordVerb"), status: 204},
		{method: "POST", path: "/api/webhooks/twilio/recording?kind=voicemail", form: form("CallSid", "CA9"), status: 400},
		{method: "POST", path: "/api/webhooks/twilio/sms", form: form("MessageSid", "SM9", "From", customer, "To", supportNumber, "Body", "Hi", "NumMedia", "0"), status: 200},
		{method: "POST", path: "/api/webhooks/twilio/sms", form: form("MessageSid", "SM9", "From", customer, "To", supportNumber, "NumMedia", "99"), status: 400},
		{method: "POST", path: "/api/webhooks/twilio/message-status", form: form("MessageSid", "SM9", "MessageStatus", "delivered"), status: 204},
		{method: "POST", path: "/api/webhooks/twilio/message-status", form: form("MessageSid", "SM9", "MessageStatus", "exploded"), status: 400},
		{method: "POST", path: "/api/webhooks/taskrouter", form: form("EventType", "workspace.updated", "Sid", restSID("EV", 9)), status: 204},
		{method: "POST", path: "/api/webhooks/taskrouter", form: url.Values{}, status: 400},
	}
	seen := map[string][]int{}
	for _, c := range cases {
		op, status := doc.exchange(t, hs.URL, c)
		seen[op] = append(seen[op], status)
	}

	// The refusals only other configurations give: the rate limit, and
	// Twilio not configured.
	limited, lhs := startServer(t, func(c *kinconfig.Config) {
		c.Limits.APIRate = limit.Rate{PerSecond: 0.001, Burst: 1}
	})
	lconv, _, err := limited.Store().Conversations().Ensure(ctx, salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	lsally, lada := mintOn(t, limited, restSally), mintOn(t, limited, restAda)
	for _, c := range []apiCase{
		{method: "POST", path: "/api/conversations/" + lconv.ID + "/messages", token: lada, body: `{"body":"hi"}`, status: 503},
		{method: "GET", path: "/api/me", token: lsally, status: 200},
		{method: "GET", path: "/api/me", token: lsally, status: 429},
	} {
		op, status := doc.exchange(t, lhs.URL, c)
		seen[op] = append(seen[op], status)
	}

	// Every operation answered a success, and an error unless it
	// documents only those of the service's state (429, 5xx).
	for op, statuses := range doc.ops {
		var success, failure bool
		for _, st := range seen[op] {
			success = success || st < 400
			failure = failure || st >= 400
		}
		clientError := false
		for st := range statuses {
			clientError = clientError || (st >= "400" && st < "500" && st != "429")
		}
		if !success || (clientError && !failure) {
			t.Errorf("%s: the test sent no request that succeeds, or none that fails (got %v)", op, seen[op])
		}
	}
}

func mintOn(t *testing.T, srv *server.Server, p auth.Principal) string {
	t.Helper()
	tok, err := srv.Verifier().Mint(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestOpenAPIServed: the document is public, cacheable and revalidated
// with its ETag.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	resp, err := http.Get(hs.URL + server.OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !bytes.Equal(b, want) || etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Fatalf("GET %s: %d, ETag %q, Cache-Control %q, body is the document: %v", server.OpenAPIPath, resp.StatusCode, etag,
			resp.Header.Get("Cache-Control"), bytes.Equal(b, want))
	}
	req, _ := http.NewRequest("GET", hs.URL+server.OpenAPIPath, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match: its ETag: %d, want 304", resp.StatusCode)
	}
}

// notDocumented are the public listener's routes the API document leaves
// out, and why.
var notDocumented = map[string]string{
	"/socket.io/": "the Socket.IO endpoint: its events are typed in events.ts",
	"/":           "the dashboard's static files",
	"/metrics":    "a 404 that points at the admin listener",
	"/api/":       "the 404 of the API's unknown routes",
	"/signin":     "an HTML page (demo mode) or a 404",
}

// TestOpenAPICoversEveryRoute: every route the public mux serves, found
// in the sources of the packages that register routes, is in the
// document (or in notDocumented, with a reason), and every operation of
// the document is served by its own route: a route added without its
// entry in openapi.go fails here.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	doc := loadAPIDoc(t, hs.URL)
	var patterns []string
	fset := token.NewFileSet()
	for _, dir := range []string{".", "../api", "../twilio"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
					return true
				}
				if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					p, _ := strconv.Unquote(lit.Value)
					patterns = append(patterns, p)
				} else if id, ok := call.Args[0].(*ast.Ident); ok && id.Name == "OpenAPIPath" {
					patterns = append(patterns, "GET "+server.OpenAPIPath)
				}
				return true
			})
		}
	}
	if len(patterns) < 30 {
		t.Fatalf("found %d route patterns in the sources: %v", len(patterns), patterns)
	}
	braces := regexp.MustCompile(`\{([^}.]+)(\.\.\.)?\}`)
	served := 0
	for _, p := range patterns {
		method, path, hasMethod := strings.Cut(p, " ")
		if !hasMethod {
			method, path = "GET", p
		}
		req := httptest.NewRequest(method, braces.ReplaceAllString(path, "x"), nil)
		if srv.RoutePattern(req) != p {
			continue // not on the public mux of this configuration (the admin's, demo mode's…)
		}
		served++
		if why, ok := notDocumented[p]; ok {
			t.Logf("%s: not documented: %s", p, why)
			continue
		}
		if !hasMethod {
			t.Errorf("route %q has no method: give it one and document it, or list it in notDocumented", p)
			continue
		}
		if _, ok := doc.ops[method+" "+path]; !ok {
			t.Errorf("route %s is not in the API document (internal/server/openapi.go)", p)
		}
	}
	if served < 30 {
		t.Errorf("only %d of the patterns found are served", served)
	}
	for op := range doc.ops {
		method, path, _ := strings.Cut(op, " ")
		req := httptest.NewRequest(method, braces.ReplaceAllString(path, "x"), nil)
		if got := srv.RoutePattern(req); got != op {
			t.Errorf("the document's %s is served by %q", op, got)
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for op := range doc.ops {
			if !yield(op) {
				return
			}
		}
	})
	t.Logf("documented: %s", strings.Join(names, ", "))
}

var updateGenerated = flag.Bool("update", false, "rewrite web/src/generated/openapi.ts")

// openAPITypeScript is the npm package's file of the REST API's types,
// generated from the document by openapi-typescript.
var openAPITypeScript = filepath.Join("..", "..", "web", "src", "generated", "openapi.ts")

// TestOpenAPITypeScriptIsCurrent fails when the committed REST types of
// the npm package differ from what openapi-typescript makes of the
// document; `go generate ./internal/server` rewrites them.
func TestOpenAPITypeScriptIsCurrent(t *testing.T) {
	web := filepath.Join("..", "..", "web")
	node := testenv.Node(t, filepath.Join(web, "node_modules", "openapi-typescript"))
	doc, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("scripts", "openapi-types.mjs"))
	cmd.Dir = web
	cmd.Stdin = bytes.NewReader(doc)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, stderr.Bytes())
	}
	if *updateGenerated {
		if err := os.WriteFile(openAPITypeScript, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(openAPITypeScript)
	if err != nil {
		t.Fatalf("%v (run `go generate ./internal/server`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./internal/server`", openAPITypeScript)
	}
}
