package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/kin-comms/kinrt/engineio"
)

// Compression as Node's engine.io does it: permessage-deflate, off by
// default, negotiated with the clients that offer it once
// Options.PerMessageDeflate is set; polling responses of 1 KiB or more are
// compressed by default. A message sent with Uncompressed never is.
func ExampleOptions_compression() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return echo{c}
	}), &engineio.Options{PerMessageDeflate: &engineio.PerMessageDeflate{Threshold: 1024}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	// A WebSocket client that offers permessage-deflate.
	d := websocket.Dialer{EnableCompression: true}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	fmt.Println("negotiated:", resp.Header.Get("Sec-WebSocket-Extensions"))
	_, _, _ = ws.ReadMessage() // the open packet
	big := strings.Repeat("a", 5000)
	_ = ws.WriteMessage(websocket.TextMessage, []byte("4"+big))
	_, echoed, _ := ws.ReadMessage() // sent compressed, read inflated
	fmt.Println("echoed intact:", string(echoed) == "4"+big)

	// A polling client that accepts gzip.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/engine.io/?EIO=4&transport=polling", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	open, err := ts.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	open.Body.Close()
	fmt.Println("small response encoding:", open.Header.Get("Content-Encoding") == "")
	// Output:
	// negotiated: permessage-deflate; server_no_context_takeover; client_no_context_takeover
	// echoed intact: true
	// small response encoding: true
	// closed: server shutting down
	// closed: server shutting down
}
