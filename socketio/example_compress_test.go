package socketio_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kin-comms/kinrt/socketio"
)

// Socket.Compress(false) is Node's socket.compress(false): the event goes
// uncompressed, even where the connection compresses (here a polling
// client that accepts gzip, and polling responses over 1 KiB are
// compressed by default). Broadcasts take it too:
// io.Of("/").Compress(false).Emit(…), io.To(room).Compress(false).Emit(…).
func ExampleSocket_Compress() {
	io := socketio.NewServer(nil)
	connected := make(chan *socketio.Socket, 1)
	io.OnConnection(func(s *socketio.Socket) { connected <- s })
	ts := httptest.NewServer(io)
	defer ts.Close()

	base := ts.URL + "/socket.io/?EIO=4&transport=polling"
	call := func(method, url, body string) (string, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := ts.Client().Do(req)
		if err != nil {
			return "", err.Error()
		}
		defer resp.Body.Close()
		b, _ := readAll(resp.Body)
		return resp.Header.Get("Content-Encoding"), string(b)
	}
	_, open := call("GET", base, "")
	sid := open[strings.Index(open, `"sid":"`)+7:]
	base += "&sid=" + sid[:strings.IndexByte(sid, '"')]
	call("POST", base, "40") // CONNECT to "/"
	call("GET", base, "")    // its answer
	s := <-connected

	report := strings.Repeat("row;", 500)
	_ = s.Compress(false).Emit("report", report)
	encoding, _ := call("GET", base, "")
	fmt.Printf("Compress(false): Content-Encoding %q\n", encoding)
	_ = s.Emit("report", report)
	encoding, _ = call("GET", base, "")
	fmt.Printf("default: Content-Encoding %q\n", encoding)
	// Output:
	// Compress(false): Content-Encoding ""
	// default: Content-Encoding "gzip"
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }
