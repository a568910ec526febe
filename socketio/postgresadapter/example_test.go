package postgresadapter_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/postgresadapter"
)

// A socketio server whose namespaces are linked to the other servers on
// the same database, Go or Node.js (@socket.io/postgres-adapter), with a
// readiness probe on the node's listening connection.
func ExampleNewNode() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://127.0.0.1:5432/app")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	node, err := postgresadapter.NewNode(ctx, pool, &postgresadapter.Options{HeartbeatInterval: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer node.Close()

	io := socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
	io.OnConnection(func(s *socketio.Socket) { s.Join("lobby") })
	http.Handle("/socket.io/", io)
	http.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := node.Ping(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	// Every node's clients in "lobby" get it.
	_ = io.To("lobby").Emit("news", "hello")
}
