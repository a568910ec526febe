package engineio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kin-comms/kinrt/engineio"
)

// The engine's hooks, as Node's engine.generateId, "initial_headers",
// "headers" and "connection_error", and the sticky-session cookie. The
// requests are served by httptest.NewRecorder, as a client would send
// them.
func ExampleOptions_hooks() {
	n := 0
	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return quiet{}
	}), &engineio.Options{
		GenerateID: func(r *http.Request) (string, error) {
			if r.URL.Query().Get("tenant") == "" {
				return "", errors.New("no tenant")
			}
			n++
			return fmt.Sprintf("%s-%d", r.URL.Query().Get("tenant"), n), nil
		},
		InitialHeaders: func(h http.Header, r *http.Request) { h.Set("X-Node", "node-1") },
		Headers:        func(h http.Header, r *http.Request) { h.Set("X-Served-By", "kinrt") },
		Cookie:         &engineio.Cookie{}, // Node's cookie: true
		OnConnectionError: func(err *engineio.ConnectionError) {
			fmt.Printf("connection_error: code %d %q %v\n", err.Code, err.Message, err.Context)
		},
	})
	defer srv.Shutdown(context.Background())

	get := func(query string) *http.Response {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/engine.io/?"+query, nil))
		return rec.Result()
	}
	resp := get("EIO=4&transport=polling&tenant=acme")
	fmt.Println("handshake:", resp.StatusCode, resp.Header.Get("X-Node"), resp.Header.Get("X-Served-By"))
	fmt.Println("cookie:", resp.Header.Get("Set-Cookie"))

	resp = get("EIO=4&transport=polling")
	fmt.Println("without tenant:", resp.StatusCode, resp.Header.Get("X-Served-By") == "")
	get("EIO=4&transport=polling&sid=acme-9")
	get("EIO=3&transport=polling")
	// Output:
	// handshake: 200 node-1 kinrt
	// cookie: io=acme-1; Path=/; HttpOnly; SameSite=Lax
	// connection_error: code 3 "Bad request" map[error:no tenant name:ID_GENERATION_ERROR]
	// without tenant: 400 true
	// connection_error: code 1 "Session ID unknown" map[sid:acme-9]
	// connection_error: code 5 "Unsupported protocol version" map[protocol:3]
}

// quiet is a Receiver that ignores everything.
type quiet struct{}

func (quiet) OnMessage([]byte, bool)       {}
func (quiet) OnClose(engineio.CloseReason) {}

// headerEcho is a Receiver that also wants the request of each message:
// it answers with a header of the POST that carried it.
type headerEcho struct{ c *engineio.Conn }

func (e headerEcho) OnMessage(data []byte, binary bool) {} // not called: OnRequestMessage is

func (e headerEcho) OnRequestMessage(data []byte, binary bool, r *http.Request) {
	_ = e.c.Send(engineio.Message{Data: []byte(string(data) + " from " + r.Header.Get("X-Client"))})
}

func (e headerEcho) OnClose(engineio.CloseReason) {}

// A RequestReceiver sees the request that carried each message: here,
// two POSTs of one session with different headers.
func ExampleRequestReceiver() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return headerEcho{c}
	}), nil)
	defer srv.Shutdown(context.Background())
	do := func(method, query, body, client string) string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, "/engine.io/?EIO=4&transport=polling"+query, strings.NewReader(body))
		req.Header.Set("X-Client", client)
		srv.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	open := do("GET", "", "", "a")
	sid := open[strings.Index(open, `"sid":"`)+7:]
	sid = sid[:strings.IndexByte(sid, '"')]
	do("POST", "&sid="+sid, "4hello", "tab-1")
	do("POST", "&sid="+sid, "4again", "tab-2")
	fmt.Println(strings.ReplaceAll(do("GET", "&sid="+sid, "", "a"), "\x1e", " | "))
	// Output:
	// 4hello from tab-1 | 4again from tab-2
}
