// Package twiliotest is a fake Twilio REST API, for tests only: it answers
// the requests kinrt makes through twilio-go (send a message, update a
// worker, answer a reservation, fetch a recording) as Twilio does, and
// records them. Non-test code must not import it.
package twiliotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// SID returns a well-formed Twilio sid: prefix and 32 hex digits.
func SID(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// Activity is a TaskRouter activity the fake knows.
type Activity struct {
	Name      string
	Available bool
}

// Config is the fake account.
type Config struct {
	AccountSID, AuthToken, WorkspaceSID string
	// Activities a worker may be set to, by sid; others are refused (400, 20001).
	Activities map[string]Activity
	// Recordings the fake serves itself: sid → bytes.
	Recordings map[string]string
	// Moved recordings (sid → bytes) the fake redirects to its media
	// storage, as Twilio does; the storage refuses (400, as S3 does) a
	// request with an Authorization.
	Moved map[string]string
	// BadNumber, if set, is a "To" number refused (400, error 21211).
	BadNumber string
	// MessageBase offsets sent messages' sids: the nth is SID("SM", MessageBase+n).
	MessageBase int
}

// Request is a request the fake (or its media storage) received.
type Request struct {
	Method, Path string
	Form         url.Values
	User, Pass   string
	Range        string
}

// Server is the fake Twilio. Every request needs the account's Basic
// credentials (401, error 20003, otherwise, as Twilio answers).
type Server struct {
	*httptest.Server
	Storage     *httptest.Server // where the moved recordings are
	mu          sync.Mutex
	reqs, store []Request
	n           int
}

// Requests returns the requests the fake received, in order.
func (f *Server) Requests() []Request { return f.copy(&f.reqs) }

// StorageRequests returns the requests the media storage received.
func (f *Server) StorageRequests() []Request { return f.copy(&f.store) }

func (f *Server) copy(rs *[]Request) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), *rs...)
}

func (f *Server) record(rs *[]Request, r *http.Request) Request {
	user, pass, _ := r.BasicAuth()
	q := Request{Method: r.Method, Path: r.URL.Path, Form: r.PostForm, User: user, Pass: pass, Range: r.Header.Get("Range")}
	f.mu.Lock()
	defer f.mu.Unlock()
	*rs = append(*rs, q)
	return q
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// twilioError answers a Twilio REST error.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	answer(w, status, map[string]any{"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}

func serveMP3(w http.ResponseWriter, r *http.Request, media string) {
	w.Header().Set("Content-Type", "audio/mpeg")
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(media))
}

// New starts a fake Twilio for c, closed when the test ends.
func New(t testing.TB, c Config) *Server {
	t.Helper()
	f := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", func(w http.ResponseWriter, r *http.Request) {
		to := r.PostForm.Get("To")
		switch {
		case r.PathValue("account") != c.AccountSID:
			twilioError(w, 404, 20404, "The requested resource was not found")
		case c.BadNumber != "" && to == c.BadNumber:
			twilioError(w, 400, 21211, "The 'To' number "+to+" is not a valid phone number.")
		default:
			f.mu.Lock()
			f.n++
			n := f.n
			f.mu.Unlock()
			answer(w, 201, map[string]any{
				"sid": SID("SM", c.MessageBase+n), "account_sid": c.AccountSID, "from": r.PostForm.Get("From"), "to": to,
				"body": r.PostForm.Get("Body"), "status": "queued", "direction": "outbound-api", "num_segments": "1",
				"error_code": nil, "date_created": time.Now().UTC().Format(time.RFC1123Z),
			})
		}
	})
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Workers/{worker}", func(w http.ResponseWriter, r *http.Request) {
		act, ok := c.Activities[r.PostForm.Get("ActivitySid")]
		if worker := r.PathValue("worker"); r.PathValue("ws") == c.WorkspaceSID && ok {
			answer(w, 200, map[string]any{
				"sid": worker, "workspace_sid": c.WorkspaceSID, "account_sid": c.AccountSID, "activity_sid": r.PostForm.Get("ActivitySid"),
				"activity_name": act.Name, "available": act.Available, "friendly_name": "worker-" + worker[len(worker)-2:],
			})
			return
		}
		twilioError(w, 400, 20001, "Invalid Activity")
	})
	mux.HandleFunc("POST /v1/Workspaces/{ws}/Workers/{worker}/Reservations/{res}", func(w http.ResponseWriter, r *http.Request) {
		if st := r.PostForm.Get("ReservationStatus"); r.PathValue("ws") == c.WorkspaceSID && (st == "accepted" || st == "rejected") {
			answer(w, 200, map[string]any{"sid": r.PathValue("res"), "worker_sid": r.PathValue("worker"), "workspace_sid": c.WorkspaceSID, "reservation_status": st})
			return
		}
		twilioError(w, 400, 20001, "Invalid ReservationStatus")
	})
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Recordings/{sid}", func(w http.ResponseWriter, r *http.Request) {
		sid, mp3 := strings.CutSuffix(r.PathValue("sid"), ".mp3")
		if _, moved := c.Moved[sid]; moved && mp3 && r.PathValue("account") == c.AccountSID {
			http.Redirect(w, r, f.Storage.URL+"/media/"+sid+".mp3", http.StatusFound)
		} else if media, ok := c.Recordings[sid]; ok && mp3 && r.PathValue("account") == c.AccountSID {
			serveMP3(w, r, media)
		} else {
			twilioError(w, 404, 20404, "The requested resource was not found")
		}
	})
	f.Storage = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.record(&f.store, r)
		if r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusBadRequest) // as S3 answers an unexpected Authorization
		} else if media, ok := c.Moved[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/media/"), ".mp3")]; ok {
			serveMP3(w, r, media)
		} else {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Storage.Close)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if q := f.record(&f.reqs, r); q.User != c.AccountSID || q.Pass != c.AuthToken {
			twilioError(w, 401, 20003, "Authenticate")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}
