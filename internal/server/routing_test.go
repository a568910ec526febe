package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

var departments = []string{"sales", "support", "billing"}

func randomUsers(rng *rand.Rand, n int) []auth.Principal {
	users := make([]auth.Principal, n)
	for i := range users {
		role := events.RoleAgent
		switch {
		case i < 2:
			role = events.RoleAdmin
		case i < 6:
			role = events.RoleSupervisor
		}
		dept := departments[rng.IntN(len(departments))]
		if role == events.RoleAdmin && i == 0 {
			dept = "" // an admin without department
		}
		users[i] = auth.Principal{UserID: "u" + strconv.Itoa(i), Name: "User " + strconv.Itoa(i), Role: role, Department: dept, Expires: time.Now().Add(time.Hour)}
	}
	return users
}

// randomEvent makes a valid event of a random type with random routing
// fields.
func randomEvent(rng *rand.Rand, users []auth.Principal, i int) events.Event {
	names := events.Names()
	e := events.New(names[rng.IntN(len(names))])
	dept := ""
	if k := rng.IntN(len(departments) + 1); k < len(departments) {
		dept = departments[k]
	}
	someone := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return users[rng.IntN(len(users))].UserID
	}
	id := "x" + strconv.Itoa(i)
	switch e := e.(type) {
	case *events.VoicemailCreated:
		*e = events.VoicemailCreated{VoicemailID: id, CallSID: "CA" + id, From: "+1555", Status: "new", Department: dept, AssignedTo: someone()}
	case *events.VoicemailUpdated:
		*e = events.VoicemailUpdated{VoicemailID: id, Status: "listened", Department: dept, AssignedTo: someone(), PreviousAssignee: someone()}
	case *events.CallIncoming:
		*e = events.CallIncoming{CallSID: "CA" + id, From: "+1555", To: "+1666", Department: dept, AssignedTo: someone()}
	case *events.CallStatusChanged:
		*e = events.CallStatusChanged{CallSID: "CA" + id, Status: "in-progress", Department: dept}
	case *events.CallCompleted:
		*e = events.CallCompleted{CallSID: "CA" + id, Status: "completed", DurationSeconds: 5, Department: dept, AssignedTo: someone()}
	case *events.CallRecordingAvailable:
		*e = events.CallRecordingAvailable{CallSID: "CA" + id, RecordingSID: "RE" + id, Department: dept}
	case *events.MessageReceived:
		*e = events.MessageReceived{MessageSID: "SM" + id, ConversationID: "c" + id, From: "+1555", To: "+1666", Body: "hi", Department: dept, AssignedTo: someone()}
	case *events.MessageStatusChanged:
		*e = events.MessageStatusChanged{MessageSID: "SM" + id, Status: "delivered", Department: dept, AssignedTo: someone()}
	case *events.ConversationUpdated:
		*e = events.ConversationUpdated{ConversationID: "c" + id, Department: dept, UnreadCount: 1}
	case *events.TaskAssigned:
		*e = events.TaskAssigned{TaskSID: "WT" + id, ReservationSID: "WR" + id, WorkerSID: "WK" + id, UserID: someone(), Department: dept}
	case *events.TaskAccepted:
		*e = events.TaskAccepted{TaskSID: "WT" + id, ReservationSID: "WR" + id, WorkerSID: "WK" + id, UserID: someone(), Department: dept}
	case *events.TaskRejected:
		*e = events.TaskRejected{TaskSID: "WT" + id, ReservationSID: "WR" + id, UserID: someone(), Department: dept, Reason: "timeout"}
	case *events.TaskCompleted:
		*e = events.TaskCompleted{TaskSID: "WT" + id, UserID: someone(), Department: dept, Outcome: "completed"}
	case *events.WorkerStatusChanged:
		*e = events.WorkerStatusChanged{WorkerSID: "WK" + id, UserID: someone(), Department: dept, Status: "busy"}
	case *events.WorkerActivityChanged:
		*e = events.WorkerActivityChanged{WorkerSID: "WK" + id, UserID: someone(), Department: dept, ActivityName: "Available"}
	case *events.UserPresenceUpdated:
		u := users[rng.IntN(len(users))]
		*e = events.UserPresenceUpdated{UserID: u.UserID, Department: u.Department, Status: "online"}
	case *events.SystemNotification:
		targets := []events.Target{
			{Kind: events.TargetAll},
			{Kind: events.TargetRole, Value: []string{"admin", "supervisor", "agent"}[rng.IntN(3)]},
			{Kind: events.TargetDepartment, Value: departments[rng.IntN(len(departments))]},
			{Kind: events.TargetUser, Value: users[rng.IntN(len(users))].UserID},
		}
		*e = events.SystemNotification{Level: "info", Message: "note " + id, Target: targets[rng.IntN(len(targets))]}
	}
	return e
}

func allowed(e events.Event, p auth.Principal) bool {
	// The policy, written out independently of the server's code.
	mine := []string{"user-" + p.UserID, "role-" + p.Role}
	if p.Department != "" {
		mine = append(mine, "department-"+p.Department)
	}
	for _, r := range e.Rooms() {
		if slices.Contains(mine, r) {
			return true
		}
	}
	return false
}

// TestRoutingRandomized connects real socket.io-client sockets for many
// users across roles and departments (some with two tabs, over both
// transports, authenticated by cookie or by auth.token), publishes
// hundreds of random events and checks that every socket received exactly
// the events the policy allows it, once each, in order.
func TestRoutingRandomized(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	srv, hs := startServer(t, nil)

	users := randomUsers(rng, 24)
	specs, owner := clientsFor(t, srv.Verifier(), users, nil)
	nc, results := startClients(t, hs.URL, specs)
	for name, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s did not connect: %s", name, r)
		}
	}

	var published []events.Event
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		e := randomEvent(rng, users, i)
		if err := srv.Broadcaster().Publish(ctx, e); err != nil {
			t.Fatalf("publish %s: %v", e.EventName(), err)
		}
		published = append(published, e)
	}
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(ctx, end); err != nil {
		t.Fatal(err)
	}

	got := nc.received()
	total := checkRouting(t, specs, owner, published, got, true)
	t.Logf("%d sockets, %d events published, %d deliveries checked", len(specs), len(published), total)
}

// checkRouting compares what each client received with what the policy
// allows it of the published events (once each; in order when ordered)
// and returns the number of deliveries. The server's own presence events
// are checked against the policy only.
func checkRouting(t *testing.T, specs []clientSpec, owner map[string]auth.Principal, published []events.Event, got map[string][][2]json.RawMessage, ordered bool) int {
	t.Helper()
	publishedIDs := map[string]bool{}
	for _, e := range published {
		publishedIDs[e.EventID()] = true
	}
	leaked, lost := 0, 0
	for _, c := range specs {
		p := owner[c.Name]
		var want []string
		for _, e := range published {
			if allowed(e, p) {
				want = append(want, e.EventName()+"/"+e.EventID())
			}
		}
		var have []string
		for _, ev := range got[c.Name] {
			var name string
			var meta struct {
				ID         string `json:"id"`
				Department string `json:"department"`
			}
			_ = json.Unmarshal(ev[0], &name)
			_ = json.Unmarshal(ev[1], &meta)
			if name == "user_presence_updated" && !publishedIDs[meta.ID] {
				// The server's own presence events (users connecting):
				// they too must stay within the policy.
				if p.Role != events.RoleAdmin && meta.Department != p.Department {
					t.Errorf("%s (%s) received the presence of department %q", c.Name, p.Department, meta.Department)
				}
				continue
			}
			have = append(have, name+"/"+meta.ID)
		}
		if !ordered {
			// Events published by several nodes arrive in no set order.
			slices.Sort(have)
			slices.Sort(want)
		}
		if !slices.Equal(have, want) {
			for _, h := range have {
				if !slices.Contains(want, h) {
					leaked++
				}
			}
			for _, w := range want {
				if !slices.Contains(have, w) {
					lost++
				}
			}
			t.Errorf("%s (%s/%s): received %d events, policy allows %d", c.Name, p.Role, p.Department, len(have), len(want))
			if len(have) > len(want) {
				for i := 1; i < len(have); i++ {
					if have[i] == have[i-1] && !ordered {
						t.Errorf("%s: %s twice", c.Name, have[i])
					}
				}
			}
		}
	}
	if leaked+lost > 0 {
		t.Fatalf("%d leaked, %d lost or out of order", leaked, lost)
	}
	total := 0
	for _, v := range got {
		total += len(v)
	}
	if total == 0 {
		t.Fatal("no event delivered at all")
	}
	return total
}

// clientsFor makes the sockets of users: every fifth user has a second tab
// (WebSocket only), half authenticate by auth.token and half by cookie.
// With urls, the sockets are spread over those nodes (a user's two tabs on
// two nodes).
func clientsFor(t *testing.T, v *auth.Verifier, users []auth.Principal, urls []string) ([]clientSpec, map[string]auth.Principal) {
	t.Helper()
	var specs []clientSpec
	owner := map[string]auth.Principal{}
	for i, u := range users {
		token, err := v.Mint(u, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tabs := 1
		if i%5 == 0 {
			tabs = 2
		}
		for tab := 0; tab < tabs; tab++ {
			c := clientSpec{Name: fmt.Sprintf("%s-%d", u.UserID, tab)}
			if (i+tab)%2 == 0 {
				c.Auth = map[string]string{"token": token}
			} else {
				c.Headers = map[string]string{"cookie": "next-auth.session-token=" + token, "origin": "https://app.example"}
			}
			if tab == 1 {
				c.Transports = []string{"websocket"}
			}
			if len(urls) > 0 {
				c.URL = urls[(i+tab)%len(urls)]
			}
			specs = append(specs, c)
			owner[c.Name] = u
		}
	}
	return specs, owner
}
