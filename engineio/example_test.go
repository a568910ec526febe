package engineio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// echo sends every message back to its connection.
type echo struct{ c *engineio.Conn }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.c.Send(engineio.Message{Data: data, Binary: binary})
}

func (e echo) OnClose(reason engineio.CloseReason) {
	fmt.Println("closed:", reason)
}

// An echo server, and a client that speaks the polling transport by hand:
// the handshake, a POST of one message and the GET that brings it back.
func ExampleNewServer() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return echo{c}
	}), nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()

	client := ts.Client()
	call := func(method, query, body string) string {
		req, _ := http.NewRequest(method, ts.URL+"/engine.io/?EIO=4&transport=polling"+query, strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	open := call("GET", "", "")
	fmt.Println("open packet:", open[:1])
	sid := open[strings.Index(open, `"sid":"`)+7:]
	sid = sid[:strings.IndexByte(sid, '"')]

	fmt.Println("POST:", call("POST", "&sid="+sid, "4hello"))
	fmt.Println("GET:", call("GET", "&sid="+sid, ""))

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	// Output:
	// open packet: 0
	// POST: ok
	// GET: 4hello
	// closed: server shutting down
}

// Options for a server whose page is served from another origin: cookies
// may be sent with the polling requests, and the WebSocket upgrade is
// allowed from the same origin only (CheckOrigin's default follows CORS).
func ExampleOptions() {
	opts := &engineio.Options{
		PingInterval: 25 * time.Second,
		PingTimeout:  20 * time.Second,
		MaxPayload:   100_000,
		CORS: &engineio.CORS{
			AllowedOrigins:   []string{"https://app.example"},
			AllowCredentials: true,
			MaxAge:           time.Hour,
		},
	}
	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return echo{c}
	}), opts)
	defer srv.Shutdown(context.Background())

	for _, origin := range []string{"https://app.example", "https://evil.example"} {
		req := httptest.NewRequest(http.MethodOptions, "/engine.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		h := rec.Result().Header
		fmt.Printf("%s: %d allow-origin=%q credentials=%q max-age=%q\n", origin, rec.Code,
			h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Credentials"), h.Get("Access-Control-Max-Age"))
	}
	// Output:
	// https://app.example: 204 allow-origin="https://app.example" credentials="true" max-age="3600"
	// https://evil.example: 403 allow-origin="" credentials="" max-age=""
}
