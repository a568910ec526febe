package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

const adminUIOrigin = "https://admin.example"

// startAdminUIServer runs the service with the admin UI on: user "ops",
// password "ops-password", pages at adminUIOrigin.
func startAdminUIServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("ops-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	srv, hs := startServer(t, func(c *config.Config) {
		c.AdminUI = config.AdminUI{Enabled: true, Username: "ops", PasswordHash: string(hash), Origins: []string{adminUIOrigin}}
	})
	return srv, hs.URL
}

// adminFrame reads the raw socket's next frame of the /admin namespace;
// a frame of any other namespace fails the test.
func adminFrame(t *testing.T, rs *rawSocket) string {
	t.Helper()
	f := rs.read()
	if len(f) < 2 || f[0] != '4' {
		t.Fatalf("frame %q on the admin UI's connection", f)
	}
	rest, ok := strings.CutPrefix(f[2:], "/admin,")
	if !ok {
		t.Fatalf("frame %q of another namespace than /admin", f)
	}
	return f[:2] + rest
}

// adminEvent reads the next event of /admin: its name and arguments.
func adminEvent(t *testing.T, rs *rawSocket) (string, []json.RawMessage) {
	t.Helper()
	for {
		f := adminFrame(t, rs)
		if !strings.HasPrefix(f, "42") {
			t.Fatalf("frame %q, want an event", f)
		}
		var args []json.RawMessage
		if err := json.Unmarshal([]byte(f[2:]), &args); err != nil || len(args) == 0 {
			t.Fatalf("event %q: %v", f, err)
		}
		var name string
		_ = json.Unmarshal(args[0], &name)
		return name, args[1:]
	}
}

// connectAdminUI opens a session from the admin UI's origin and sends
// CONNECT /admin with auth; it returns the reply frame.
func connectAdminUI(t *testing.T, base string, auth any, header http.Header) (*rawSocket, string) {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Origin", adminUIOrigin)
	rs := dialRaw(t, base, header)
	payload := ""
	if auth != nil {
		b, _ := json.Marshal(auth)
		payload = string(b)
	}
	rs.send("40/admin," + payload)
	f := adminFrame(t, rs)
	for strings.HasPrefix(f, "42") {
		// A report broadcast to /admin once the socket is in its adapter,
		// before the reply (socket.io-client keeps it until "connect").
		f = adminFrame(t, rs)
	}
	return rs, f
}

func TestAdminUIRefusals(t *testing.T) {
	t.Parallel()
	srv, base := startAdminUIServer(t)
	adminTok, err := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cookie := http.Header{"Cookie": {"next-auth.session-token=" + adminTok}}
	tests := []struct {
		name   string
		auth   any
		header http.Header
	}{
		{"wrong password", map[string]string{"username": "ops", "password": "wrong"}, nil},
		{"wrong username", map[string]string{"username": "ada", "password": "ops-password"}, nil},
		{"the hash as password", map[string]string{"username": "ops", "password": ""}, nil},
		{"a NextAuth token", map[string]string{"token": adminTok}, nil},
		{"a NextAuth session cookie", nil, cookie},
		{"a NextAuth session cookie and empty credentials", map[string]string{"username": "", "password": ""}, cookie},
		{"a session cookie and a Bearer token", map[string]string{}, http.Header{"Cookie": cookie["Cookie"], "Authorization": {"Bearer " + adminTok}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, reply := connectAdminUI(t, base, tt.auth, tt.header)
			if reply != `44{"message":"invalid credentials"}` {
				t.Fatalf("CONNECT /admin answered %q, want connect_error invalid credentials", reply)
			}
		})
	}

	// The admin UI's origin reaches /admin only: not the KIN namespace,
	// even with a valid session.
	rs := dialRaw(t, base, http.Header{"Origin": {adminUIOrigin}})
	if reply, ok := rs.connect(map[string]string{"token": adminTok}); ok || reply["message"] != "forbidden origin" {
		t.Fatalf("CONNECT / from the admin UI's origin: %v %v, want connect_error forbidden origin", reply, ok)
	}

	// CORS: the admin UI's origin may read the Engine.IO handshake (with
	// credentials, as the UI sends them); another origin may not even
	// open one.
	for _, tt := range []struct {
		origin     string
		wantStatus int
		wantACAO   string
	}{
		{adminUIOrigin, http.StatusOK, adminUIOrigin},
		{"https://app.example", http.StatusOK, "https://app.example"},
		{"https://evil.example", http.StatusForbidden, ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, base+"/socket.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", tt.origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Access-Control-Allow-Origin") != tt.wantACAO ||
			(tt.wantACAO != "" && resp.Header.Get("Access-Control-Allow-Credentials") != "true") {
			t.Errorf("handshake from %s: %d, Allow-Origin %q, Allow-Credentials %q; want %d, %q", tt.origin, resp.StatusCode,
				resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"), tt.wantStatus, tt.wantACAO)
		}
	}
	// The REST API's CORS is not the admin UI's.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	req.Header.Set("Origin", adminUIOrigin)
	req.Header.Set("Authorization", "Bearer "+adminTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" {
		t.Fatalf("GET /api/me from the admin UI's origin: Allow-Origin %q, want none", acao)
	}
}

// TestAdminUISeesKINSockets: signed in with its own credentials, the admin
// UI lists the users' sockets with their rooms; a KIN event reaches the
// users, and the admin UI only as its report (event_sent), never as the
// event itself.
func TestAdminUISeesKINSockets(t *testing.T) {
	t.Parallel()
	srv, base := startAdminUIServer(t)
	mint := func(p auth.Principal) string {
		tok, err := srv.Verifier().Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	agent := dialRaw(t, base, nil)
	if reply, ok := agent.connect(map[string]string{"token": mint(auth.Principal{UserID: "u-agent", Role: "agent", Department: "sales"})}); !ok {
		t.Fatalf("agent refused: %v", reply)
	}
	agentID := ""
	rs, reply := connectAdminUI(t, base, map[string]string{"username": "ops", "password": "ops-password"}, nil)
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("CONNECT /admin with the right credentials: %q", reply)
	}
	var got []string // the greeting's events, in order (stats aside)
	var all []struct {
		ID    string
		Nsp   string
		Rooms []string
		Data  struct {
			Principal struct{ UserID, Role, Department string }
		}
	}
	for !slices.Contains(got, "all_sockets") {
		name, args := adminEvent(t, rs)
		if name != "session" && name != "config" && name != "all_sockets" {
			continue // stats, and the reports of the admin socket itself
		}
		got = append(got, name)
		if name == "all_sockets" {
			if err := json.Unmarshal(args[0], &all); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := []string{"session", "config", "all_sockets"}; !slices.Equal(got, want) {
		t.Fatalf("greeting %q, want %q", got, want)
	}
	for _, s := range all {
		if s.Nsp == "/" && s.Data.Principal.UserID == "u-agent" {
			agentID = s.ID
			slices.Sort(s.Rooms)
			if want := []string{"department-sales", "role-agent", "user-u-agent"}; !slices.Equal(slices.DeleteFunc(s.Rooms, func(r string) bool { return r == s.ID }), want) {
				t.Fatalf("agent's rooms %q, want %q and its own", s.Rooms, want)
			}
		}
	}
	if agentID == "" {
		t.Fatalf("all_sockets %+v lacks the agent's socket", all)
	}

	// A KIN event for the agent: the admin UI gets its report only.
	id := sendMarker(t, srv, "hello sales")
	if ev := nextEvent(t, agent); ev.name != "system_notification" || ev.id != id {
		t.Fatalf("agent got %s %s, want the system_notification %s", ev.name, ev.id, id)
	}
	for {
		name, args := adminEvent(t, rs) // a frame of "/" would fail here
		if name == "system_notification" {
			t.Fatal("the admin UI's socket received a KIN event")
		}
		if name == "event_sent" && strings.Contains(string(args[2]), id) {
			if string(args[1]) != `"`+agentID+`"` {
				t.Fatalf("event_sent %s, want the agent's socket %s", args, agentID)
			}
			break
		}
	}
}

// TestAdminUICluster: on two nodes sharing Redis, an admin UI signed in to
// one node lists and hears the sockets of the other (the reports are
// broadcasts to /admin through the adapter, as with Node's admin UI), and
// its actions reach them.
func TestAdminUICluster(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("ops-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	nodes := startCluster(t, 2, func(c *config.Config) {
		c.AdminUI = config.AdminUI{Enabled: true, Username: "ops", PasswordHash: string(hash), Origins: []string{adminUIOrigin}}
	})
	creds := map[string]string{"username": "ops", "password": "ops-password"}
	rs, reply := connectAdminUI(t, nodes[0].hs.URL, creds, nil)
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("CONNECT /admin on node A: %q", reply)
	}

	// An agent on node B: node A's admin UI hears it connect.
	tok, err := nodes[1].srv.Verifier().Mint(auth.Principal{UserID: "u-remote", Role: "agent", Department: "support"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	agent := dialRaw(t, nodes[1].hs.URL, nil)
	if reply, ok := agent.connect(map[string]string{"token": tok}); !ok {
		t.Fatalf("agent refused on node B: %v", reply)
	}
	type sock struct {
		ID    string
		Nsp   string
		Rooms []string
		Data  struct{ Principal struct{ UserID string } }
	}
	var remote sock
	for remote.ID == "" {
		name, args := adminEvent(t, rs)
		if name != "socket_connected" {
			continue
		}
		var s sock
		_ = json.Unmarshal(args[0], &s)
		if s.Data.Principal.UserID == "u-remote" {
			remote = s
		}
	}

	// A second admin UI on node A lists it (fetched from node B).
	rs2, reply := connectAdminUI(t, nodes[0].hs.URL, creds, nil)
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("second CONNECT /admin on node A: %q", reply)
	}
	for {
		name, args := adminEvent(t, rs2)
		if name != "all_sockets" {
			continue
		}
		var all []sock
		_ = json.Unmarshal(args[0], &all)
		i := slices.IndexFunc(all, func(s sock) bool { return s.ID == remote.ID })
		if i < 0 {
			t.Fatalf("all_sockets on node A %s lacks node B's socket %s", args[0], remote.ID)
		}
		if all[i].Nsp != "/" || !slices.Contains(all[i].Rooms, "department-support") || all[i].Data.Principal.UserID != "u-remote" {
			t.Fatalf("node B's socket as node A lists it: %+v", all[i])
		}
		break
	}

	// Node A's admin disconnects it: node B's socket goes, and node A's
	// admin UI hears it.
	rs.send(`42/admin,["_disconnect","/",false,"` + remote.ID + `"]`)
	for f := agent.read(); f != "41"; f = agent.read() {
	}
	for {
		name, args := adminEvent(t, rs)
		if name == "socket_disconnected" && string(args[1]) == `"`+remote.ID+`"` {
			if string(args[2]) != `"server namespace disconnect"` {
				t.Fatalf("socket_disconnected %s", args)
			}
			break
		}
	}
}
