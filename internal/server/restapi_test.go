package server_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// The REST API tests run the real service with real sessions (Bearer
// tokens minted by its verifier), real socket.io-client sockets for the
// events, and a fake Twilio REST API (restapi_fake_test.go) for what the
// routes send to Twilio.

var (
	restSally = auth.Principal{UserID: "sally", Name: "Sally", Role: events.RoleAgent, Department: "sales"}
	restSam   = auth.Principal{UserID: "sam", Name: "Sam", Role: events.RoleAgent, Department: "sales"}
	restPat   = auth.Principal{UserID: "pat", Name: "Pat", Role: events.RoleAgent, Department: "support"}
	restBea   = auth.Principal{UserID: "bea", Name: "Bea", Role: events.RoleAgent, Department: "billing"}
	restAda   = auth.Principal{UserID: "ada", Name: "Ada", Role: events.RoleAdmin}
)

type restVoicemail struct {
	ID           string  `json:"id"`
	CallSID      string  `json:"callSid"`
	RecordingSID string  `json:"recordingSid"`
	Department   string  `json:"department"`
	Status       string  `json:"status"`
	AssignedTo   *string `json:"assignedTo"`
	Notes        string  `json:"notes"`
	UpdatedBy    string  `json:"updatedBy"`
	MediaURL     string  `json:"mediaUrl"`
}

// TestRESTVoicemails: list (scoped, paginated), get, patch (validation,
// authz, voicemail_updated to the right sockets) and the media proxy
// against a fake Twilio that serves the recording only to the account.
func TestRESTVoicemails(t *testing.T) {
	t.Parallel()
	env := newRestEnv(t)
	ctx := t.Context()
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	recURL := func(re string) string {
		return "https://api.twilio.com/2010-04-01/Accounts/" + restAccount + "/Recordings/" + re
	}
	seed := func(n int, dept, to string, recording string) store.Voicemail {
		t.Helper()
		v, created, err := env.srv.Store().Voicemails().Create(ctx, store.Voicemail{
			CallSID: restSID("CA", n), RecordingSID: recording, RecordingURL: recURL(recording),
			From: customer, To: to, Department: dept, DurationSeconds: 10 + n, CreatedAt: base.Add(time.Duration(n) * time.Minute),
		})
		if err != nil || !created {
			t.Fatalf("seed voicemail %d: %v %v", n, created, err)
		}
		return v
	}
	vm1 := seed(1, "sales", salesNumber, restSID("RE", 0xdead)) // the fake Twilio has no such recording
	vm2 := seed(2, "sales", salesNumber, restSID("RE", 2))
	vm3 := seed(3, "sales", salesNumber, restRecording)
	vm4 := seed(4, "support", supportNumber, restSID("RE", 4))

	nc := env.connect(restSally, restSam, restPat, restBea, restAda)
	sally, sam, pat, ada := env.mint(restSally), env.mint(restSam), env.mint(restPat), env.mint(restAda)

	// Sessions and scopes.
	env.expect("GET", "/api/voicemails", "", "", 401, "unauthorized")
	env.expect("GET", "/api/voicemails", "not-a-session", "", 401, "unauthorized")
	ids := func(token, query string) string {
		t.Helper()
		var page restPage[restVoicemail]
		env.expect("GET", "/api/voicemails"+query, token, "", 200, "").json(t, &page)
		var out []string
		for _, v := range page.Items {
			out = append(out, v.ID)
		}
		return strings.Join(out, ",")
	}
	if got, want := ids(sally, ""), strings.Join([]string{vm3.ID, vm2.ID, vm1.ID}, ","); got != want {
		t.Errorf("sales agent lists %s, want sales only, newest first: %s", got, want)
	}
	if got, want := ids(ada, ""), strings.Join([]string{vm4.ID, vm3.ID, vm2.ID, vm1.ID}, ","); got != want {
		t.Errorf("admin lists %s, want all: %s", got, want)
	}
	if got := ids(pat, ""); got != vm4.ID {
		t.Errorf("support agent lists %s, want %s", got, vm4.ID)
	}

	// Pagination: limit=1 to the end, no duplicates, nothing missing.
	pages := restCollect(env, "/api/voicemails?limit=1", sally, func(v restVoicemail) string { return v.ID }, 5)
	var paged []string
	for _, p := range pages {
		if len(p) > 1 {
			t.Errorf("a page of limit=1 has %d items", len(p))
		}
		for _, v := range p {
			paged = append(paged, v.ID)
		}
	}
	if got, want := strings.Join(paged, ","), strings.Join([]string{vm3.ID, vm2.ID, vm1.ID}, ","); got != want {
		t.Errorf("paged through %s, want %s", got, want)
	}
	env.expect("GET", "/api/voicemails?limit=0", sally, "", 400, "limit")
	env.expect("GET", "/api/voicemails?limit=201", sally, "", 400, "limit")
	env.expect("GET", "/api/voicemails?limit=x", sally, "", 400, "limit")
	env.expect("GET", "/api/voicemails?status=deleted", sally, "", 400, "status")
	env.expect("GET", "/api/voicemails?cursor=garbage", sally, "", 400, "")

	// One voicemail: its own department's, not another's; Twilio's URL
	// never given.
	var one restVoicemail
	r := env.expect("GET", "/api/voicemails/"+vm3.ID, sally, "", 200, "")
	r.json(t, &one)
	if one.ID != vm3.ID || one.CallSID != vm3.CallSID || one.RecordingSID != restRecording || one.Status != "new" ||
		one.AssignedTo != nil || one.MediaURL != "/api/voicemails/"+vm3.ID+"/media" {
		t.Errorf("GET voicemail: %s", r.Body)
	}
	if strings.Contains(r.Body, "twilio.com") {
		t.Errorf("GET voicemail gives Twilio's recording URL: %s", r.Body)
	}
	env.expect("GET", "/api/voicemails/"+vm4.ID, sally, "", 404, "not found")
	env.expect("GET", "/api/voicemails/"+vm3.ID, pat, "", 404, "not found")
	env.expect("GET", "/api/voicemails/no-such-id", ada, "", 404, "not found")

	// PATCH validation: nothing changes, nothing is emitted.
	for _, c := range []struct{ body, mention string }{
		{`{"status":"deleted"}`, "status"},
		{`{"status":null}`, "status"},
		{`{"status":"listened","color":"red"}`, `unknown field "color"`},
		{`{}`, "nothing to change"},
		{`not json`, "JSON object"},
		{`{"status":"listened"} {"status":"new"}`, "JSON object"},
		{`["listened"]`, "JSON object"},
		{`{"assignedTo":""}`, "assignedTo"},
		{`{"assignedTo":" bea"}`, "assignedTo"},
		{`{"assignedTo":5}`, "must be a string"},
		{`{"notes":"` + strings.Repeat("x", 10001) + `"}`, "notes"},
	} {
		env.expect("PATCH", "/api/voicemails/"+vm2.ID, sally, c.body, 400, c.mention)
	}
	env.expect("PATCH", "/api/voicemails/"+vm2.ID, sally, `{"notes":"`+strings.Repeat("x", 70<<10)+`"}`, 413, "64 KiB")
	env.expect("PATCH", "/api/voicemails/"+vm4.ID, sally, `{"status":"archived"}`, 404, "not found")
	if r := env.do("PATCH", "/api/voicemails/"+vm2.ID, sally, `{"status":"archived"}`, "Origin", "https://evil.example"); r.Status != 403 {
		t.Errorf("PATCH from a foreign origin: %d %s", r.Status, r.Body)
	}
	for _, v := range []store.Voicemail{vm2, vm4} {
		if got, _ := env.srv.Store().Voicemails().Get(ctx, v.ID); got.Status != "new" || got.AssignedTo != "" || got.Notes != "" {
			t.Errorf("a refused PATCH changed %s: %+v", v.ID, got)
		}
	}

	// Sally marks vm3 listened and gives it to Bea (of billing); the same
	// PATCH again changes nothing; Sam then unassigns it.
	var patched restVoicemail
	r = env.expect("PATCH", "/api/voicemails/"+vm3.ID, sally, `{"status":"listened","assignedTo":"bea","notes":"call back"}`, 200, "")
	r.json(t, &patched)
	if patched.Status != "listened" || patched.AssignedTo == nil || *patched.AssignedTo != "bea" || patched.Notes != "call back" || patched.UpdatedBy != "sally" {
		t.Errorf("PATCH answered %s", r.Body)
	}
	env.expect("PATCH", "/api/voicemails/"+vm3.ID, sally, `{"status":"listened","assignedTo":"bea"}`, 200, "")
	r = env.expect("PATCH", "/api/voicemails/"+vm3.ID, sam, `{"assignedTo":null}`, 200, "")
	if !strings.Contains(r.Body, `"assignedTo":null`) {
		t.Errorf("unassign answered %s", r.Body)
	}
	if got := ids(ada, "?status=listened"); got != vm3.ID {
		t.Errorf("status=listened lists %s", got)
	}
	if got := ids(sally, "?status=new"); got != vm2.ID+","+vm1.ID {
		t.Errorf("status=new lists %s", got)
	}

	// The media proxy: the account's credentials go to Twilio, the bytes
	// and a Range come back.
	before := len(env.tw.Requests())
	r = env.do("GET", "/api/voicemails/"+vm3.ID+"/media", sally, "")
	if r.Status != 200 || r.Body != restMediaMP3 || r.Header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("media: %d %q %v", r.Status, r.Body, r.Header)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("media Cache-Control %q", cc)
	}
	r = env.do("GET", "/api/voicemails/"+vm3.ID+"/media", sally, "", "Range", "bytes=0-3")
	if r.Status != 206 || r.Body != restMediaMP3[:4] || !strings.HasPrefix(r.Header.Get("Content-Range"), "bytes 0-3/") {
		t.Errorf("media range: %d %q %v", r.Status, r.Body, r.Header)
	}
	reqs := env.tw.Requests()[before:]
	if len(reqs) != 2 {
		t.Fatalf("fake Twilio got %d requests for 2 media GETs: %+v", len(reqs), reqs)
	}
	for _, q := range reqs {
		if q.Method != "GET" || q.Path != "/2010-04-01/Accounts/"+restAccount+"/Recordings/"+restRecording+".mp3" || q.User != restAccount || q.Pass != restToken {
			t.Errorf("fake Twilio got %+v", q)
		}
	}
	if reqs[1].Range != "bytes=0-3" {
		t.Errorf("Range not passed on: %+v", reqs[1])
	}
	before = len(env.tw.Requests())
	env.expect("GET", "/api/voicemails/"+vm3.ID+"/media", pat, "", 404, "not found")
	env.expect("GET", "/api/voicemails/"+vm4.ID+"/media", sally, "", 404, "not found")
	if n := len(env.tw.Requests()) - before; n != 0 {
		t.Errorf("refused media requests reached Twilio %d times", n)
	}
	env.expect("GET", "/api/voicemails/"+vm1.ID+"/media", sally, "", 502, "Twilio")

	// Who heard about it: the sales department, Bea (the assignee, then
	// the previous assignee) and admins; not support.
	got := env.finish(nc)
	want := map[string]string{
		"sally": "voicemail_updated voicemail_updated",
		"sam":   "voicemail_updated voicemail_updated",
		"bea":   "voicemail_updated voicemail_updated",
		"ada":   "voicemail_updated voicemail_updated",
		"pat":   "",
	}
	for who, w := range want {
		if g := restNames(got[who]); g != w {
			t.Errorf("%s received %q, want %q", who, g, w)
		}
	}
	if evs := got["bea"]; len(evs) == 2 {
		first, second := evs[0].Payload, evs[1].Payload
		if first["voicemailId"] != vm3.ID || first["status"] != "listened" || first["assignedTo"] != "bea" ||
			first["updatedBy"] != "sally" || first["updatedByName"] != "Sally" || first["department"] != "sales" {
			t.Errorf("first voicemail_updated: %s", evs[0].Raw)
		}
		if ch, _ := first["changed"].([]any); len(ch) != 3 || ch[0] != "status" || ch[1] != "assignedTo" || ch[2] != "notes" {
			t.Errorf("first voicemail_updated changed: %s", evs[0].Raw)
		}
		if second["previousAssignee"] != "bea" || second["assignedTo"] != nil || second["updatedBy"] != "sam" {
			t.Errorf("second voicemail_updated: %s", evs[1].Raw)
		}
	}
}

// TestRESTVoicemailMediaCredentials: the media proxy follows Twilio's
// redirect to its media storage without giving it the credentials; with
// the wrong credentials the fake Twilio refuses the recording (502);
// without an account the media route is unavailable (503).
func TestRESTVoicemailMediaCredentials(t *testing.T) {
	t.Parallel()
	tw := newRestFakeTwilio(t)
	for _, c := range []struct {
		name      string
		account   string
		token     string
		recording string
		status    int
		mention   string
	}{
		{"redirected to storage", restAccount, restToken, restMovedRecording, 200, ""},
		{"wrong token", restAccount, "notTheToken0123", restRecording, 502, "Unauthorized"},
		{"no account", "", restToken, restRecording, 503, "TWILIO_ACCOUNT_SID"},
	} {
		srv, hs := startServer(t, func(cfg *config.Config) {
			cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioBaseURL = c.account, c.token, tw.URL
		})
		env := &restEnv{t: t, srv: srv, hs: hs, tw: tw}
		v, _, err := srv.Store().Voicemails().Create(t.Context(), store.Voicemail{
			CallSID: restSID("CA", 1), RecordingSID: c.recording, From: customer, To: salesNumber, Department: "sales",
			RecordingURL: "https://api.twilio.com/2010-04-01/Accounts/" + restAccount + "/Recordings/" + c.recording,
		})
		if err != nil {
			t.Fatal(err)
		}
		r := env.expect("GET", "/api/voicemails/"+v.ID+"/media", env.mint(restSally), "", c.status, c.mention)
		if served := r.Body == restMediaMP3; served != (c.status == 200) {
			t.Errorf("%s: %d %q", c.name, r.Status, r.Body)
		}
	}
	stored := tw.StorageRequests()
	if len(stored) != 1 || stored[0].Path != "/media/"+restMovedRecording+".mp3" {
		t.Errorf("media storage got %+v", stored)
	}
	for _, q := range stored {
		if q.User != "" || q.Pass != "" {
			t.Errorf("the account's credentials reached the media storage: %+v", q)
		}
	}
}

type restConversation struct {
	ID                 string `json:"id"`
	Department         string `json:"department"`
	UnreadCount        int    `json:"unreadCount"`
	LastMessagePreview string `json:"lastMessagePreview"`
}

type restMessage struct {
	SID       string `json:"sid"`
	Direction string `json:"direction"`
	From      string `json:"from"`
	To        string `json:"to"`
	Body      string `json:"body"`
	Status    string `json:"status"`
	SentBy    string `json:"sentBy"`
}

// TestRESTConversations: conversations and messages (scoped, paginated),
// mark read, and sending an SMS through the fake Twilio, whose status
// callback then moves the message on; each with its events.
func TestRESTConversations(t *testing.T) {
	t.Parallel()
	env := newRestEnv(t)
	ctx := t.Context()
	st := env.srv.Store()
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	salesConv, _, err := st.Conversations().Ensure(ctx, salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	supportConv, _, err := st.Conversations().Ensure(ctx, supportNumber, customer, "support")
	if err != nil {
		t.Fatal(err)
	}
	inbound := func(n int, conv store.Conversation, body string) {
		t.Helper()
		if _, err := st.Messages().Create(ctx, store.Message{
			SID: restSID("SM", n), ConversationID: conv.ID, Direction: store.Inbound, From: customer, To: conv.OurNumber,
			Body: body, CreatedAt: base.Add(time.Duration(n) * time.Minute),
		}); err != nil {
			t.Fatal(err)
		}
	}
	inbound(1, salesConv, "first")
	inbound(2, salesConv, "second")
	inbound(3, salesConv, "third")
	inbound(4, supportConv, "help")

	nc := env.connect(restSally, restSam, restPat, restAda)
	sally, pat, ada := env.mint(restSally), env.mint(restPat), env.mint(restAda)

	convs := func(token string) []restConversation {
		t.Helper()
		var page restPage[restConversation]
		env.expect("GET", "/api/conversations", token, "", 200, "").json(t, &page)
		return page.Items
	}
	env.expect("GET", "/api/conversations", "", "", 401, "unauthorized")
	if c := convs(sally); len(c) != 1 || c[0].ID != salesConv.ID || c[0].UnreadCount != 3 || c[0].LastMessagePreview != "third" {
		t.Errorf("sales agent lists %+v", c)
	}
	if c := convs(pat); len(c) != 1 || c[0].ID != supportConv.ID {
		t.Errorf("support agent lists %+v", c)
	}
	if c := convs(ada); len(c) != 2 {
		t.Errorf("admin lists %+v", c)
	}
	env.expect("GET", "/api/conversations?limit=500", sally, "", 400, "limit")
	if pages := restCollect(env, "/api/conversations?limit=1", ada, func(c restConversation) string { return c.ID }, 3); len(pages) != 2 ||
		len(pages[0]) != 1 || len(pages[1]) != 1 || pages[0][0].ID != supportConv.ID {
		t.Errorf("admin pages conversations as %+v, want the support one (newest message) then the sales one", pages)
	}

	// Messages, newest first, two per page.
	msgsPath := "/api/conversations/" + salesConv.ID + "/messages"
	pages := restCollect(env, msgsPath+"?limit=2", sally, func(m restMessage) string { return m.SID }, 4)
	var order []string
	for _, p := range pages {
		for _, m := range p {
			order = append(order, m.Body)
		}
	}
	if len(pages) != 2 || len(pages[0]) != 2 || strings.Join(order, ",") != "third,second,first" {
		t.Errorf("messages paged as %v: %v", len(pages), order)
	}
	env.expect("GET", msgsPath+"?limit=-1", sally, "", 400, "limit")

	// Support may not read, mark or send in the sales conversation.
	env.expect("GET", msgsPath, pat, "", 404, "not found")
	env.expect("POST", "/api/conversations/"+salesConv.ID+"/read", pat, "", 404, "not found")
	env.expect("POST", msgsPath, pat, `{"body":"not mine"}`, 404, "not found")
	env.expect("POST", "/api/conversations/no-such/messages", ada, `{"body":"x"}`, 404, "not found")
	env.expect("GET", "/api/conversations/no-such/messages", ada, "", 404, "not found")

	// Mark read: once changes (and is announced), twice does not.
	var c restConversation
	env.expect("POST", "/api/conversations/"+salesConv.ID+"/read", sally, "", 200, "").json(t, &c)
	if c.UnreadCount != 0 || c.ID != salesConv.ID {
		t.Errorf("read answered %+v", c)
	}
	env.expect("POST", "/api/conversations/"+salesConv.ID+"/read", sally, "", 200, "")

	// Send: validation first, nothing reaches Twilio.
	for _, b := range []struct{ body, mention string }{
		{`{}`, "body: is required"},
		{`{"body":"   "}`, "body: is required"},
		{`{"body":null}`, "body: is required"},
		{`{"body":7}`, "must be a string"},
		{`{"body":"hi","to":"+15550000000"}`, `unknown field "to"`},
		{`{"body":"` + strings.Repeat("é", 1601) + `"}`, "1600"},
		{`hi`, "JSON object"},
	} {
		env.expect("POST", msgsPath, sally, b.body, 400, b.mention)
	}
	if n := len(env.tw.Requests()); n != 0 {
		t.Fatalf("fake Twilio got %d requests before any valid send: %+v", n, env.tw.Requests())
	}
	var sent restMessage
	env.expect("POST", msgsPath, sally, `{"body":"On it — calling you back"}`, 201, "").json(t, &sent)
	if sent.SID != restSID("SM", 0x1001) || sent.Status != "queued" || sent.Direction != "outbound" || sent.SentBy != "sally" ||
		sent.From != salesNumber || sent.To != customer || sent.Body != "On it — calling you back" {
		t.Errorf("send answered %+v", sent)
	}
	reqs := env.tw.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake Twilio got %+v", reqs)
	}
	q := reqs[0]
	if q.Method != "POST" || q.Path != "/2010-04-01/Accounts/"+restAccount+"/Messages.json" || q.User != restAccount || q.Pass != restToken ||
		q.Form.Get("From") != salesNumber || q.Form.Get("To") != customer || q.Form.Get("Body") != "On it — calling you back" ||
		q.Form.Get("StatusCallback") != restPublicURL+"/api/webhooks/twilio/message-status" {
		t.Errorf("fake Twilio got %+v", q)
	}

	// Twilio's status callbacks for that sid move it on; a late "queued"
	// (the status the API already announced) changes nothing.
	for _, s := range []string{"sent", "delivered", "queued"} {
		f := url.Values{"AccountSid": {restAccount}, "MessageSid": {sent.SID}, "MessageStatus": {s}, "From": {salesNumber}, "To": {customer}}
		if code, body := env.webhook("/api/webhooks/twilio/message-status", f); code != 204 {
			t.Fatalf("message-status %s: %d %s", s, code, body)
		}
	}
	var page restPage[restMessage]
	env.expect("GET", msgsPath+"?limit=1", sally, "", 200, "").json(t, &page)
	if len(page.Items) != 1 || page.Items[0].SID != sent.SID || page.Items[0].Status != "delivered" {
		t.Errorf("newest message after the callbacks: %+v", page.Items)
	}
	if c := convs(sally); len(c) != 1 || c[0].UnreadCount != 0 || c[0].LastMessagePreview != "On it — calling you back" {
		t.Errorf("after sending, sales agent lists %+v", c)
	}

	got := env.finish(nc)
	want := "conversation_updated message_status_changed conversation_updated message_status_changed message_status_changed"
	for _, who := range []string{"sally", "sam", "ada"} {
		if g := restNames(got[who]); g != want {
			t.Errorf("%s received %q, want %q", who, g, want)
		}
	}
	if g := restNames(got["pat"]); g != "" {
		t.Errorf("pat (support) received %q", g)
	}
	if evs := got["sam"]; len(evs) == 5 {
		if p := evs[0].Payload; p["conversationId"] != salesConv.ID || p["unreadCount"] != 0.0 || p["department"] != "sales" {
			t.Errorf("read's conversation_updated: %s", evs[0].Raw)
		}
		if p := evs[1].Payload; p["messageSid"] != sent.SID || p["status"] != "queued" || p["conversationId"] != salesConv.ID {
			t.Errorf("send's message_status_changed: %s", evs[1].Raw)
		}
		if p := evs[2].Payload; p["lastMessagePreview"] != "On it — calling you back" {
			t.Errorf("send's conversation_updated: %s", evs[2].Raw)
		}
		if p := evs[3].Payload; p["status"] != "sent" || p["previousStatus"] != "queued" {
			t.Errorf("callback's message_status_changed: %s", evs[3].Raw)
		}
		if p := evs[4].Payload; p["status"] != "delivered" || p["previousStatus"] != "sent" {
			t.Errorf("callback's message_status_changed: %s", evs[4].Raw)
		}
	}
}

type restWorker struct {
	SID          string `json:"sid"`
	ActivitySID  string `json:"activitySid"`
	ActivityName string `json:"activityName"`
	Available    bool   `json:"available"`
	Status       string `json:"status"`
	UserID       string `json:"userId"`
	Department   string `json:"department"`
}

// TestRESTTaskRouter: workers and open tasks (scoped), an agent changing
// their own activity through the fake TaskRouter and not a colleague's,
// and accepting an offer; with their events.
func TestRESTTaskRouter(t *testing.T) {
	t.Parallel()
	env := newRestEnv(t)
	ctx := t.Context()
	st := env.srv.Store()
	seenAt := time.Now().UTC().Add(-time.Hour)
	wk := map[string]string{"sally": restSID("WK", 1), "sam": restSID("WK", 2), "pat": restSID("WK", 3)}
	for _, p := range []auth.Principal{restSally, restSam, restPat} {
		if _, err := st.Workers().Upsert(ctx, store.Worker{
			SID: wk[p.UserID], Name: p.Name, ActivitySID: restActAvailable, ActivityName: "Available", Available: true,
			UserID: p.UserID, Department: p.Department, Attributes: json.RawMessage(`{"userId":"` + p.UserID + `","department":"` + p.Department + `"}`),
			Version: 1, EventAt: seenAt,
		}); err != nil {
			t.Fatal(err)
		}
	}
	salesTask, supportTask := restSID("WT", 1), restSID("WT", 2)
	for sid, dept := range map[string]string{salesTask: "sales", supportTask: "support"} {
		if _, err := st.Tasks().Upsert(ctx, store.Task{
			SID: sid, Status: store.TaskReserved, Attributes: json.RawMessage(`{"department":"` + dept + `","from":"` + customer + `"}`),
			Department: dept, Channel: "voice", Version: 1, EventAt: seenAt,
		}); err != nil {
			t.Fatal(err)
		}
	}
	offer, samsOffer := restSID("WR", 1), restSID("WR", 2)
	for sid, worker := range map[string]string{offer: wk["sally"], samsOffer: wk["sam"]} {
		if _, err := st.Tasks().UpsertReservation(ctx, store.Reservation{
			SID: sid, TaskSID: salesTask, WorkerSID: worker, Status: store.ReservationPending, Version: 1, EventAt: seenAt,
		}); err != nil {
			t.Fatal(err)
		}
	}

	nc := env.connect(restSally, restSam, restPat, restAda)
	sally, sam, pat, ada := env.mint(restSally), env.mint(restSam), env.mint(restPat), env.mint(restAda)

	workers := func(token string) map[string]restWorker {
		t.Helper()
		var page restPage[restWorker]
		env.expect("GET", "/api/taskrouter/workers", token, "", 200, "").json(t, &page)
		m := map[string]restWorker{}
		for _, w := range page.Items {
			m[w.UserID] = w
		}
		return m
	}
	env.expect("GET", "/api/taskrouter/workers", "", "", 401, "unauthorized")
	if w := workers(sally); len(w) != 2 || w["sally"].SID != wk["sally"] || w["sam"].SID != wk["sam"] {
		t.Errorf("sales agent lists workers %+v", w)
	}
	if w := workers(pat); len(w) != 1 || w["pat"].Department != "support" {
		t.Errorf("support agent lists workers %+v", w)
	}
	if w := workers(ada); len(w) != 3 {
		t.Errorf("admin lists workers %+v", w)
	}
	taskSIDs := func(token string) string {
		t.Helper()
		var page restPage[struct {
			SID string `json:"sid"`
		}]
		env.expect("GET", "/api/taskrouter/tasks", token, "", 200, "").json(t, &page)
		var out []string
		for _, x := range page.Items {
			out = append(out, x.SID)
		}
		return strings.Join(out, ",")
	}
	if got := taskSIDs(sally); got != salesTask {
		t.Errorf("sales agent lists tasks %s", got)
	}
	if got := taskSIDs(pat); got != supportTask {
		t.Errorf("support agent lists tasks %s", got)
	}
	env.expect("GET", "/api/taskrouter/tasks?limit=0", sally, "", 400, "limit")

	// Changing activity: validation, a colleague's worker (403), another
	// department's (404); none reaches TaskRouter.
	own := "/api/taskrouter/workers/" + wk["sally"]
	for _, c := range []struct{ body, mention string }{
		{`{"activitySid":"Break"}`, "activitySid"},
		{`{}`, "activitySid"},
		{`{"activitySid":"` + restActBreak + `","available":false}`, `unknown field "available"`},
		{`{"activitySid":5}`, "must be a string"},
	} {
		env.expect("PATCH", own, sally, c.body, 400, c.mention)
	}
	breakBody := `{"activitySid":"` + restActBreak + `"}`
	env.expect("PATCH", "/api/taskrouter/workers/"+wk["sam"], sally, breakBody, 403, "your own")
	env.expect("PATCH", "/api/taskrouter/workers/"+wk["pat"], sally, breakBody, 404, "not found")
	env.expect("PATCH", "/api/taskrouter/workers/"+restSID("WK", 99), sally, breakBody, 404, "not found")
	if n := len(env.tw.Requests()); n != 0 {
		t.Fatalf("refused PATCHes reached TaskRouter: %+v", env.tw.Requests())
	}

	// Sally takes a break.
	var w restWorker
	env.expect("PATCH", own, sally, breakBody, 200, "").json(t, &w)
	if w.SID != wk["sally"] || w.ActivitySID != restActBreak || w.ActivityName != "Break" || w.Available || w.Status != "busy" {
		t.Errorf("PATCH own worker answered %+v", w)
	}
	reqs := env.tw.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/v1/Workspaces/"+restWorkspace+"/Workers/"+wk["sally"] ||
		reqs[0].Form.Get("ActivitySid") != restActBreak || reqs[0].User != restAccount || reqs[0].Pass != restToken {
		t.Errorf("fake TaskRouter got %+v", reqs)
	}
	if got := workers(sam)["sally"]; got.ActivityName != "Break" || got.Status != "busy" {
		t.Errorf("Sam sees Sally's worker as %+v", got)
	}

	// The offer: Sam (a colleague) may not answer it, Pat (support) does
	// not see it, Sally accepts.
	acceptPath := "/api/taskrouter/reservations/" + offer + "/accept"
	env.expect("POST", acceptPath, sam, "", 403, "another worker")
	env.expect("POST", acceptPath, pat, "", 404, "not found")
	env.expect("POST", "/api/taskrouter/reservations/"+restSID("WR", 99)+"/accept", ada, "", 404, "not found")
	if n := len(env.tw.Requests()); n != 1 {
		t.Fatalf("refused answers reached TaskRouter: %+v", env.tw.Requests()[1:])
	}
	r := env.expect("POST", acceptPath, sally, "", 200, "")
	var res struct{ SID, TaskSID, WorkerSID, Status string }
	r.json(t, &res)
	if res.SID != offer || res.TaskSID != salesTask || res.WorkerSID != wk["sally"] || res.Status != "accepted" {
		t.Errorf("accept answered %s", r.Body)
	}
	reqs = env.tw.Requests()
	if q := reqs[len(reqs)-1]; q.Path != "/v1/Workspaces/"+restWorkspace+"/Workers/"+wk["sally"]+"/Reservations/"+offer || q.Form.Get("ReservationStatus") != "accepted" {
		t.Errorf("fake TaskRouter got %+v", q)
	}
	if got, _ := st.Tasks().GetReservation(ctx, offer); got.Status != store.ReservationAccepted {
		t.Errorf("stored reservation %+v", got)
	}

	// A sales supervisor changes a sales agent's activity, not a support
	// agent's; Sam rejects his own offer.
	sue := env.mint(auth.Principal{UserID: "sue", Role: events.RoleSupervisor, Department: "sales"})
	env.expect("PATCH", "/api/taskrouter/workers/"+wk["pat"], sue, breakBody, 404, "not found")
	env.expect("PATCH", "/api/taskrouter/workers/"+wk["sam"], sue, breakBody, 200, "").json(t, &w)
	if w.UserID != "sam" || w.ActivityName != "Break" {
		t.Errorf("supervisor's PATCH answered %+v", w)
	}
	env.expect("POST", "/api/taskrouter/reservations/"+samsOffer+"/reject", sam, "", 200, "").json(t, &res)
	if res.SID != samsOffer || res.Status != "rejected" {
		t.Errorf("reject answered %+v", res)
	}
	reqs = env.tw.Requests()
	if len(reqs) != 4 || reqs[2].Path != "/v1/Workspaces/"+restWorkspace+"/Workers/"+wk["sam"] ||
		reqs[3].Form.Get("ReservationStatus") != "rejected" {
		t.Errorf("fake TaskRouter got %+v", reqs)
	}

	// TaskRouter's own webhooks for the changes the API made arrive
	// afterwards: they are stored and announce nothing a second time.
	ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sallyAttrs := `{"userId":"sally","department":"sales"}`
	for _, f := range []url.Values{
		{"EventType": {"worker.activity.update"}, "Sid": {restSID("EV", 1)}, "TimestampMs": {ms}, "WorkspaceSid": {restWorkspace},
			"WorkerSid": {wk["sally"]}, "WorkerAttributes": {sallyAttrs}, "WorkerActivitySid": {restActBreak}, "WorkerActivityName": {"Break"},
			"WorkerPreviousActivitySid": {restActAvailable}, "WorkerPreviousActivityName": {"Available"}, "WorkerVersion": {"2"}},
		{"EventType": {"reservation.accepted"}, "Sid": {restSID("EV", 2)}, "TimestampMs": {ms}, "WorkspaceSid": {restWorkspace},
			"TaskSid": {salesTask}, "TaskAttributes": {`{"department":"sales","from":"` + customer + `"}`}, "TaskAssignmentStatus": {"assigned"}, "TaskVersion": {"2"},
			"WorkerSid": {wk["sally"]}, "WorkerAttributes": {sallyAttrs}, "ReservationSid": {offer}, "ReservationVersion": {"2"}},
	} {
		f.Set("AccountSid", restAccount)
		if code, body := env.webhook("/api/webhooks/taskrouter", f); code != 204 {
			t.Fatalf("TaskRouter webhook %s: %d %s", f.Get("EventType"), code, body)
		}
	}
	if got, _ := st.Workers().Get(ctx, wk["sally"]); got.Version != 2 || got.ActivityName != "Break" {
		t.Errorf("after TaskRouter's webhook Sally's worker is %+v", got)
	}

	got := env.finish(nc)
	want := "worker_activity_changed worker_status_changed task_accepted worker_activity_changed worker_status_changed task_rejected"
	for _, who := range []string{"sally", "sam", "ada"} {
		if g := restNames(got[who]); g != want {
			t.Errorf("%s received %q, want %q", who, g, want)
		}
	}
	if g := restNames(got["pat"]); g != "" {
		t.Errorf("pat (support) received %q", g)
	}
	if evs := got["sam"]; len(evs) == 6 {
		if p := evs[0].Payload; p["workerSid"] != wk["sally"] || p["userId"] != "sally" || p["activityName"] != "Break" ||
			p["previousActivityName"] != "Available" || p["department"] != "sales" {
			t.Errorf("worker_activity_changed: %s", evs[0].Raw)
		}
		if p := evs[1].Payload; p["status"] != "busy" || p["previousStatus"] != "available" {
			t.Errorf("worker_status_changed: %s", evs[1].Raw)
		}
		if p := evs[2].Payload; p["taskSid"] != salesTask || p["reservationSid"] != offer || p["userId"] != "sally" || p["department"] != "sales" {
			t.Errorf("task_accepted: %s", evs[2].Raw)
		}
		if p := evs[3].Payload; p["workerSid"] != wk["sam"] || p["userId"] != "sam" {
			t.Errorf("supervisor's worker_activity_changed: %s", evs[3].Raw)
		}
		if p := evs[5].Payload; p["reservationSid"] != samsOffer || p["userId"] != "sam" || p["department"] != "sales" {
			t.Errorf("task_rejected: %s", evs[5].Raw)
		}
	}
}

// TestRESTRejectsNUL: text with a NUL character is refused (400) before
// it is stored or sent: PostgreSQL cannot store it, so there a voicemail
// note answered 500 and an SMS was sent through Twilio but not stored
// ("the message was sent but could not be stored"; its status callbacks
// then find no message). SQLite stores it, so this checks the API's
// validation, which must not depend on the store.
func TestRESTRejectsNUL(t *testing.T) {
	t.Parallel()
	env := newRestEnv(t)
	ctx := t.Context()
	v, _, err := env.srv.Store().Voicemails().Create(ctx, store.Voicemail{
		CallSID: restSID("CA", 1), RecordingSID: restSID("RE", 1), From: customer, To: salesNumber, Department: "sales",
	})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := env.srv.Store().Conversations().Ensure(ctx, salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	sally := env.mint(restSally)
	env.expect("PATCH", "/api/voicemails/"+v.ID, sally, `{"notes":"call\u0000back"}`, 400, "notes")
	env.expect("POST", "/api/conversations/"+conv.ID+"/messages", sally, `{"body":"hi\u0000there"}`, 400, "body")
	if reqs := env.tw.Requests(); len(reqs) != 0 {
		t.Errorf("a message with a NUL was sent to Twilio: %+v", reqs)
	}
	if got, _ := env.srv.Store().Voicemails().Get(ctx, v.ID); got.Notes != "" {
		t.Errorf("notes with a NUL were stored: %q", got.Notes)
	}
}
