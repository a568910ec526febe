package cluster

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/socketio"
)

// wireSocket is a socket in an answer to fetchSockets, as the Node adapter
// writes it.
type wireSocket struct {
	ID        string          `json:"id"`
	Handshake wireHandshake   `json:"handshake"`
	Rooms     RoomList        `json:"rooms"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// wireHandshake is socket.io's handshake object.
type wireHandshake struct {
	Headers map[string]json.RawMessage `json:"headers"`
	Time    string                     `json:"time"`
	Address string                     `json:"address"`
	XDomain bool                       `json:"xdomain"`
	Secure  bool                       `json:"secure"`
	Issued  int64                      `json:"issued"`
	URL     string                     `json:"url"`
	Query   map[string]json.RawMessage `json:"query"`
	Auth    json.RawMessage            `json:"auth"`
}

// EncodeSockets writes sockets as the answer to FetchSockets, as
// socket.io-adapter writes them: {id, handshake, rooms, data}; Data must
// be JSON-encodable (what is not is left out).
func EncodeSockets(sockets []socketio.RemoteSocket) json.RawMessage {
	out := make([]wireSocket, 0, len(sockets))
	for _, s := range sockets {
		w := wireSocket{ID: s.ID, Rooms: s.Rooms}
		if w.Rooms == nil {
			w.Rooms = RoomList{}
		}
		if s.Data != nil {
			if b, err := json.Marshal(s.Data); err == nil {
				w.Data = b
			}
		}
		if h := s.Handshake; h != nil {
			w.Handshake = encodeHandshake(h)
		}
		out = append(out, w)
	}
	b, _ := json.Marshal(out)
	return b
}

func encodeHandshake(h *socketio.Handshake) wireHandshake {
	w := wireHandshake{
		Headers: make(map[string]json.RawMessage, len(h.Header)),
		Time:    h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"),
		Address: h.Address,
		XDomain: h.Header.Get("Origin") != "",
		Issued:  h.Time.UnixMilli(),
		Query:   make(map[string]json.RawMessage, len(h.Query)),
		Auth:    h.Auth,
	}
	if r := h.Request; r != nil {
		w.Secure = r.TLS != nil
		w.URL = r.URL.RequestURI()
	}
	for k, v := range h.Header {
		w.Headers[strings.ToLower(k)] = oneOrMany(v)
	}
	for k, v := range h.Query {
		w.Query[k] = oneOrMany(v)
	}
	if len(w.Auth) == 0 {
		w.Auth = json.RawMessage("{}")
	}
	return w
}

// oneOrMany writes a single value as a string, several as an array, as
// Node's header and query objects hold them.
func oneOrMany(v []string) json.RawMessage {
	var b []byte
	if len(v) == 1 {
		b, _ = json.Marshal(v[0])
	} else {
		b, _ = json.Marshal(v)
	}
	return b
}

// DecodeSockets reads another node's answer to FetchSockets, sockets of
// namespace nsp; an element that does not decode is left out.
func DecodeSockets(nsp string, raw json.RawMessage) []socketio.RemoteSocket {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	out := make([]socketio.RemoteSocket, 0, len(list))
	for _, x := range list {
		var w wireSocket
		if json.Unmarshal(x, &w) != nil || w.ID == "" {
			continue
		}
		rs := socketio.RemoteSocket{ID: w.ID, Namespace: nsp, Rooms: w.Rooms, Handshake: w.Handshake.decode()}
		if len(w.Data) > 0 && string(w.Data) != "null" {
			var v any
			if json.Unmarshal(w.Data, &v) == nil {
				rs.Data = v
			}
		}
		out = append(out, rs)
	}
	return out
}

func (w *wireHandshake) decode() *socketio.Handshake {
	h := &socketio.Handshake{
		Header:  make(http.Header, len(w.Headers)),
		Query:   make(url.Values, len(w.Query)),
		Auth:    w.Auth,
		Address: w.Address,
	}
	if w.Issued > 0 {
		h.Time = time.UnixMilli(w.Issued)
	}
	for k, v := range w.Headers {
		h.Header[http.CanonicalHeaderKey(k)] = manyOf(v)
	}
	for k, v := range w.Query {
		h.Query[k] = manyOf(v)
	}
	if len(h.Auth) == 0 {
		h.Auth = json.RawMessage("{}")
	}
	return h
}

func manyOf(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return []string{strings.TrimSpace(string(raw))}
}
