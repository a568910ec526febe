// Package docs_test holds the tests of the documents in docs/ that name
// Go API: they live in the service's module, which requires every library
// module, so that no library module needs another one for its tests.
package docs_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/msgpackparser"
	"github.com/kin-comms/kinrt/socketio/postgresadapter"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// nodeDoc is the page that maps Node's socket.io server API to ours.
const nodeDoc = "socketio-for-node-developers.md"

// exampleFunc is the type of an Example function.
var exampleFunc = reflect.TypeOf(func() {})

// typeOf returns the type T for a nil *T.
func typeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }

// docNames are the package-level names the page may start a Go name with,
// per package. Referring to each here makes a rename break the build; the
// members after the first name (fields, methods) are checked by reflection.
var docNames = map[string]map[string]reflect.Type{
	"socketio": {
		"Adapter":                 typeOf[socketio.Adapter](),
		"Args":                    typeOf[socketio.Args](),
		"BroadcastOperator":       typeOf[socketio.BroadcastOperator](),
		"BroadcastOptions":        typeOf[socketio.BroadcastOptions](),
		"ConnectError":            typeOf[socketio.ConnectError](),
		"DisconnectReason":        typeOf[socketio.DisconnectReason](),
		"Emitter":                 typeOf[socketio.Emitter](),
		"Event":                   typeOf[socketio.Event](),
		"Handshake":               typeOf[socketio.Handshake](),
		"MemoryAdapter":           typeOf[socketio.MemoryAdapter](),
		"Middleware":              typeOf[socketio.Middleware](),
		"Namespace":               typeOf[socketio.Namespace](),
		"Options":                 typeOf[socketio.Options](),
		"RecoveryOptions":         typeOf[socketio.RecoveryOptions](),
		"Rejoiner":                typeOf[socketio.Rejoiner](),
		"RemoteSocket":            typeOf[socketio.RemoteSocket](),
		"RoomEvents":              typeOf[socketio.RoomEvents](),
		"ServerEvent":             typeOf[socketio.ServerEvent](),
		"ServerSideAcker":         typeOf[socketio.ServerSideAcker](),
		"NewServerEvent":          reflect.TypeOf(socketio.NewServerEvent),
		"ErrNoServerSideAck":      reflect.TypeOf(socketio.ErrNoServerSideAck),
		"ErrParentNamespace":      reflect.TypeOf(socketio.ErrParentNamespace),
		"ErrNotFetched":           reflect.TypeOf(socketio.ErrNotFetched),
		"Server":                  typeOf[socketio.Server](),
		"Session":                 typeOf[socketio.Session](),
		"SessionKeeper":           typeOf[socketio.SessionKeeper](),
		"Socket":                  typeOf[socketio.Socket](),
		"Parser":                  typeOf[socketio.Parser](),
		"PacketDecoder":           typeOf[socketio.PacketDecoder](),
		"NewServer":               reflect.TypeOf(socketio.NewServer),
		"NewMemoryAdapter":        reflect.TypeOf(socketio.NewMemoryAdapter),
		"NewArgs":                 reflect.TypeOf(socketio.NewArgs),
		"Handle":                  reflect.TypeOf(socketio.Handle[any, any]),
		"ErrAckTimeout":           reflect.TypeOf(socketio.ErrAckTimeout),
		"ErrDisconnected":         reflect.TypeOf(socketio.ErrDisconnected),
		"ErrReservedEvent":        reflect.TypeOf(socketio.ErrReservedEvent),
		"ReasonServerDisconnect":  reflect.TypeOf(socketio.ReasonServerDisconnect),
		"ReasonClientDisconnect":  reflect.TypeOf(socketio.ReasonClientDisconnect),
		"ReasonServerShutdown":    reflect.TypeOf(socketio.ReasonServerShutdown),
		"ReasonTransportClose":    reflect.TypeOf(socketio.ReasonTransportClose),
		"ReasonTransportError":    reflect.TypeOf(socketio.ReasonTransportError),
		"ReasonPingTimeout":       reflect.TypeOf(socketio.ReasonPingTimeout),
		"ReasonParseError":        reflect.TypeOf(socketio.ReasonParseError),
		"ReasonForcedClose":       reflect.TypeOf(socketio.ReasonForcedClose),
		"ReasonForcedServerClose": reflect.TypeOf(socketio.ReasonForcedServerClose),
		"ReasonSlowConsumer":      reflect.TypeOf(socketio.ReasonSlowConsumer),
		// Examples the page points to (package socketio_test, which no
		// other package can refer to: TestNodeDocExamples finds them).
		"ExampleRemoteSocket":             exampleFunc,
		"ExampleMemoryAdapter_roomEvents": exampleFunc,
		"ExampleNamespace_ServerSideEmit": exampleFunc,
	},
	"engineio": {
		"CORS":             typeOf[engineio.CORS](),
		"ConnectionError":  typeOf[engineio.ConnectionError](),
		"Cookie":           typeOf[engineio.Cookie](),
		"RequestReceiver":  typeOf[engineio.RequestReceiver](),
		"CodeUnknownSID":   reflect.TypeOf(engineio.CodeUnknownSID),
		"CloseReason":      typeOf[engineio.CloseReason](),
		"Conn":             typeOf[engineio.Conn](),
		"Handler":          typeOf[engineio.Handler](),
		"HandlerFunc":      typeOf[engineio.HandlerFunc](),
		"Logger":           typeOf[engineio.Logger](),
		"Message":          typeOf[engineio.Message](),
		"Options":          typeOf[engineio.Options](),
		"Observer":         typeOf[engineio.Observer](),
		"Receiver":         typeOf[engineio.Receiver](),
		"Server":           typeOf[engineio.Server](),
		"Transport":        typeOf[engineio.Transport](),
		"NewServer":        reflect.TypeOf(engineio.NewServer),
		"ErrClosed":        reflect.TypeOf(engineio.ErrClosed),
		"ErrSlowConsumer":  reflect.TypeOf(engineio.ErrSlowConsumer),
		"ErrInvalidPacket": reflect.TypeOf(engineio.ErrInvalidPacket),
		"Polling":          reflect.TypeOf(engineio.Polling),
		"WebSocket":        reflect.TypeOf(engineio.WebSocket),
	},
	"msgpackparser": {
		"Parser":  typeOf[msgpackparser.Parser](),
		"Decoder": typeOf[msgpackparser.Decoder](),
		"Encode":  reflect.TypeOf(msgpackparser.Encode),
	},
	"redisadapter": {
		"Adapter":         typeOf[redisadapter.Adapter](),
		"Node":            typeOf[redisadapter.Node](),
		"ShardedAdapter":  typeOf[redisadapter.ShardedAdapter](),
		"Options":         typeOf[redisadapter.Options](),
		"ServerEvent":     typeOf[redisadapter.ServerEvent](),
		"Logger":          typeOf[redisadapter.Logger](),
		"New":             reflect.TypeOf(redisadapter.New),
		"NewNode":         reflect.TypeOf(redisadapter.NewNode),
		"ErrNotConnected": reflect.TypeOf(redisadapter.ErrNotConnected),
		"ErrTimeout":      reflect.TypeOf(redisadapter.ErrTimeout),
	},
	"postgresadapter": {
		"Adapter":         typeOf[postgresadapter.Adapter](),
		"Node":            typeOf[postgresadapter.Node](),
		"Options":         typeOf[postgresadapter.Options](),
		"NewNode":         reflect.TypeOf(postgresadapter.NewNode),
		"ErrNotConnected": reflect.TypeOf(postgresadapter.ErrNotConnected),
	},
}

// goName matches a code span that names Go API: an optional package, an
// exported name, then fields or methods, each call's arguments (without
// nested parentheses) ignored: Socket.Once, engineio.Options.PingTimeout,
// Namespace.Local().FetchSockets(ctx), redisadapter.NewNode(rdb, nil).NewAdapter.
var goName = regexp.MustCompile(`^(?:(socketio|engineio|redisadapter|postgresadapter|msgpackparser)\.)?([A-Z]\w*(?:\([^()]*\))?(?:\.[A-Z]\w*(?:\([^()]*\))?)*)$`)

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	callArgs = regexp.MustCompile(`\([^()]*\)`)
)

// resolveGoName reports why name (a goName match) does not exist, or "".
func resolveGoName(pkg, chain string) string {
	if pkg == "" {
		pkg = "socketio"
	}
	parts := strings.Split(callArgs.ReplaceAllString(chain, ""), ".")
	t, ok := docNames[pkg][parts[0]]
	if !ok {
		return pkg + "." + parts[0] + " is not in docNames (add it there if it exists)"
	}
	for i, member := range parts[1:] {
		where := pkg + "." + strings.Join(parts[:i+1], ".")
		if t.Kind() == reflect.Func { // a call: continue on its result
			if t.NumOut() == 0 {
				return where + " returns nothing to take " + member + " from"
			}
			t = t.Out(0)
		}
		base := t
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if base.Kind() == reflect.Struct {
			if f, ok := base.FieldByName(member); ok && f.IsExported() {
				t = f.Type
				continue
			}
		}
		var m reflect.Method
		switch {
		case base.Kind() == reflect.Interface:
			m, ok = base.MethodByName(member)
		default:
			m, ok = reflect.PointerTo(base).MethodByName(member)
		}
		if !ok {
			return where + " has no field or method " + member
		}
		t = m.Type
	}
	return ""
}

// TestNodeDocGoNames checks that every Go name the page gives exists, and
// that every row of its tables gives a Go spelling or says why there is
// none.
func TestNodeDocGoNames(t *testing.T) {
	b, err := os.ReadFile(nodeDoc)
	if err != nil {
		t.Fatal(err)
	}
	inCode, checked := false, 0
	for n, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		rowGo := 0
		for _, span := range codeSpan.FindAllStringSubmatch(line, -1) {
			m := goName.FindStringSubmatch(span[1])
			if m == nil {
				continue
			}
			if why := resolveGoName(m[1], m[2]); why != "" {
				t.Errorf("line %d: `%s`: %s", n+1, span[1], why)
			}
			checked++
			if cells := strings.Split(line, " | "); len(cells) >= 3 && strings.Contains(cells[1], span[0]) {
				rowGo++
			}
		}
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) < 3 || cells[0] == "| Node" {
			continue
		}
		if rowGo == 0 && !strings.Contains(cells[1], "not supported") &&
			!strings.Contains(cells[1], "planned (issue 18)") && !strings.Contains(cells[1], "not needed") {
			t.Errorf("line %d: the Go column gives no Go name and does not say why: %s", n+1, line)
		}
	}
	if checked < 200 {
		t.Errorf("only %d Go names checked: has the page's format changed?", checked)
	}
}

// nodeAPI lists Node's socket.io 4.8 server API (options, methods,
// properties, events) by the name the page's Node column uses; each must
// have a row.
var nodeAPI = []string{
	// socket.io ServerOptions
	"path", "serveClient", "adapter", "parser", "connectTimeout", "connectionStateRecovery",
	"maxDisconnectionDuration", "skipMiddlewares", "cleanupEmptyChildNamespaces",
	// engine.io ServerOptions and AttachOptions
	"pingTimeout", "pingInterval", "upgradeTimeout", "maxHttpBufferSize", "allowRequest",
	"transports", "allowUpgrades", "perMessageDeflate", "httpCompression", "wsEngine",
	"initialPacket", "cookie", "cors", "allowEIO3", "destroyUpgrade", "destroyUpgradeTimeout",
	"addTrailingSlash",
	// Server
	"io.sockets", "io.engine", "io.of", "io.use", "io.emit", "io.send", "io.to", "io.in",
	"io.except", "io.volatile", "io.local", "io.timeout", "io.compress", "io.fetchSockets",
	"io.socketsJoin", "io.socketsLeave", "io.disconnectSockets", "io.serverSideEmit",
	"io.serverSideEmitWithAck", "io.allSockets", "io.close", "io.listen", "io.attach",
	"io.attachApp", "io.bind", "new_namespace",
	// engine
	"engine.clients", "engine.clientsCount", "engine.close", "engine.handleRequest",
	"engine.handleUpgrade", "engine.generateId", "engine.use", "connection_error",
	"initial_headers", "headers",
	// Namespace
	"nsp.name", "nsp.sockets", "nsp.adapter", "nsp.server", "nsp.use", "nsp.emit", "nsp.to",
	"nsp.in", "nsp.except", "nsp.volatile", "nsp.local", "nsp.timeout", "nsp.compress",
	"nsp.fetchSockets", "nsp.socketsJoin", "nsp.socketsLeave", "nsp.disconnectSockets",
	"nsp.serverSideEmit", "nsp.serverSideEmitWithAck", "nsp.allSockets",
	// Socket
	"socket.id", "socket.handshake", "handshake.headers", "handshake.query", "handshake.auth",
	"handshake.address", "handshake.time", "handshake.issued", "handshake.url",
	"handshake.secure", "handshake.xdomain", "socket.request", "socket.conn", "socket.client",
	"socket.nsp", "socket.rooms", "socket.data", "socket.connected", "socket.disconnected",
	"socket.recovered", "socket.emit", "socket.emitWithAck", "socket.timeout", "socket.send",
	"socket.volatile", "socket.compress", "socket.join", "socket.leave", "socket.to",
	"socket.in", "socket.except", "socket.broadcast", "socket.local", "socket.disconnect",
	"socket.on", "socket.once", "socket.off", "socket.removeAllListeners", "socket.onAny",
	"socket.prependAny", "socket.offAny", "socket.onAnyOutgoing", "socket.prependAnyOutgoing",
	"socket.offAnyOutgoing", "socket.listeners", "socket.listenersAny",
	"socket.listenersAnyOutgoing", "socket.use", "disconnecting", "disconnect", "error",
	// BroadcastOperator
	".to", ".in", ".except", ".volatile", ".local", ".timeout", ".compress", ".emit",
	".emitWithAck", ".fetchSockets", ".allSockets", ".socketsJoin", ".socketsLeave",
	".disconnectSockets",
	// RemoteSocket
	".id", ".handshake", ".rooms", ".data", ".join", ".leave", ".disconnect",
	// Adapter
	"addAll", "del", "delAll", "socketRooms", "broadcast", "broadcastWithAck", "fetchSockets",
	"addSockets", "delSockets", "disconnectSockets", "serverSideEmit", "persistSession",
	"restoreSession", "close", "init", "serverCount", "sockets", "rooms", "sids",
	"create-room", "delete-room", "join-room", "leave-room",
}

// TestNodeDocCoversNodeAPI checks that each name of nodeAPI appears in the
// Node column of a table.
func TestNodeDocCoversNodeAPI(t *testing.T) {
	b, err := os.ReadFile(nodeDoc)
	if err != nil {
		t.Fatal(err)
	}
	var nodeColumn strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if cells := strings.Split(line, " | "); strings.HasPrefix(line, "| ") && len(cells) >= 3 {
			nodeColumn.WriteString(cells[0])
			nodeColumn.WriteByte('\n')
		}
	}
	col := nodeColumn.String()
	for _, name := range nodeAPI {
		// The name must not continue as a longer identifier ("socket.on"
		// is not found in "socket.once").
		re := regexp.MustCompile(regexp.QuoteMeta(name) + `(?:[^\w-]|$)`)
		if !re.MatchString(col) {
			t.Errorf("Node's %q has no row", name)
		}
	}
}

// TestNodeDocExamples: every Example the page names is a function of the
// library's tests (socketio's, where the page's Examples live).
func TestNodeDocExamples(t *testing.T) {
	var src strings.Builder
	files, err := filepath.Glob("../socketio/*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("socketio's tests: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for pkg, names := range docNames {
		for name, typ := range names {
			if typ != exampleFunc {
				continue
			}
			if !strings.Contains(src.String(), "\nfunc "+name+"() {") {
				t.Errorf("%s.%s: no such Example in socketio's tests", pkg, name)
			}
		}
	}
}
