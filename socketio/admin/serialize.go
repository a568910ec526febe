package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/socketio"
)

// serializedSocket is a socket as the UI gets it (Node's serialize).
type serializedSocket struct {
	ID        string          `json:"id"`
	ClientID  string          `json:"clientId"`
	Transport string          `json:"transport"`
	Nsp       string          `json:"nsp"`
	Data      json.RawMessage `json:"data"`
	Handshake handshake       `json:"handshake"`
	Rooms     []string        `json:"rooms"`
}

// handshake is the part of a socket's handshake the UI shows.
type handshake struct {
	Address string            `json:"address"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	Issued  int64             `json:"issued"`
	Secure  bool              `json:"secure"`
	Time    string            `json:"time"`
	URL     string            `json:"url"`
	XDomain bool              `json:"xdomain"`
}

// redacted are the headers whose values the UI never sees: the
// credentials of the socket's user.
var redacted = map[string]bool{"cookie": true, "authorization": true, "proxy-authorization": true}

// adminData is what Node's admin UI keeps in socket.data._admin; a
// socket of a Node.js node of the cluster carries it.
type adminData struct {
	ClientID  string `json:"clientId"`
	Transport string `json:"transport"`
}

// serializeLocal serializes a socket of this node.
func serializeLocal(s *socketio.Socket) serializedSocket {
	data, _ := serializeData(s.Data())
	cid := s.Conn().ID()
	if len(cid) > 12 {
		cid = cid[:12] // Node's: the rest is the session's secret
	}
	rooms := s.Rooms()
	if rooms == nil {
		rooms = []string{}
	}
	return serializedSocket{
		ID: s.ID(), ClientID: cid, Transport: string(s.Conn().Transport()), Nsp: s.Namespace().Name(),
		Data: data, Handshake: serializeHandshake(s.Handshake()), Rooms: rooms,
	}
}

// serializeRemote serializes a socket FetchSockets found, on this node or
// another one.
func serializeRemote(rs socketio.RemoteSocket, nsp string) serializedSocket {
	if rs.Local != nil {
		return serializeLocal(rs.Local)
	}
	data, ad := serializeData(rs.Data)
	if ad.ClientID == "" {
		ad.ClientID = rs.ID // a Go node's socket: no client id crosses the cluster
	}
	rooms := rs.Rooms
	if rooms == nil {
		rooms = []string{}
	}
	return serializedSocket{
		ID: rs.ID, ClientID: ad.ClientID, Transport: ad.Transport, Nsp: nsp,
		Data: data, Handshake: serializeHandshake(rs.Handshake), Rooms: rooms,
	}
}

// serializeData returns a socket's data as JSON without Node's _admin
// key ({} when it has none or cannot be encoded), and that key's value.
func serializeData(v any) (json.RawMessage, adminData) {
	var ad adminData
	if v == nil {
		return json.RawMessage("{}"), ad
	}
	b, err := json.Marshal(v)
	if err != nil || bytes.Equal(b, []byte("null")) {
		return json.RawMessage("{}"), ad
	}
	if len(b) > 0 && b[0] == '{' && bytes.Contains(b, []byte(`"_admin"`)) {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) == nil {
			_ = json.Unmarshal(m["_admin"], &ad)
			delete(m, "_admin")
			if out, err := json.Marshal(m); err == nil {
				b = out
			}
		}
	}
	return b, ad
}

// serializeHandshake is Node's handshake fields from ours.
func serializeHandshake(h *socketio.Handshake) handshake {
	out := handshake{Headers: map[string]string{}, Query: map[string]string{}}
	if h == nil {
		return out
	}
	out.Address = h.Address
	for k, v := range h.Header {
		name := strings.ToLower(k)
		if redacted[name] {
			out.Headers[name] = "[redacted]"
			continue
		}
		out.Headers[name] = strings.Join(v, ", ")
	}
	if ip := h.Header.Get("Cf-Connecting-Ip"); ip != "" {
		out.Address = ip
	} else if ip := h.Header.Get("X-Forwarded-For"); ip != "" {
		out.Address = ip
	}
	for k, v := range h.Query {
		if len(v) > 0 {
			out.Query[k] = v[0]
		}
	}
	if !h.Time.IsZero() {
		out.Issued = h.Time.UnixMilli()
		out.Time = h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
	}
	if r := h.Request; r != nil {
		out.URL = r.URL.RequestURI()
		out.Secure = r.TLS != nil
	}
	out.XDomain = h.Header.Get("Origin") != ""
	return out
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
