package presence

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
)

// Nodes starting at once each create the tables: none fails.
func TestPreparePostgresConcurrently(t *testing.T) {
	t.Parallel()
	url := testenv.PostgresSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			errs <- PreparePostgres(ctx, pgPool(t, url))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A node whose lease ran out (a pause longer than the TTL, or the
// database unreachable meanwhile) has its users taken offline by the
// others, its connections deleted once the lease has been over for
// another TTL, and writes them again when it renews: its users are back
// online, one event each way.
func TestPostgresLeaseLost(t *testing.T) {
	t.Parallel()
	pg := backends[1]
	if pg.name != "postgres" {
		t.Fatal("backends[1] is not postgres")
	}
	c := newCluster(t, pg, 2, clusterOpts{grace: time.Millisecond, ttl: time.Hour})
	a, b := c.nodes[0], c.nodes[1]
	a.Connect(ann)
	first := c.pub.next(t)
	if first.Status != "online" || first.Version < time.Now().Add(-time.Minute).UnixMilli() {
		t.Fatalf("connect: %+v, want a version from the time in ms", first)
	}
	pool := a.store.(*postgresStore).pool
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `UPDATE kin_presence_nodes SET expires_at = clock_timestamp() - interval '2 hours' WHERE node = $1`, a.node); err != nil {
		t.Fatal(err)
	}
	b.sweep()
	if e := c.pub.next(t); e.Status != "offline" || e.UserID != "u1" {
		t.Fatalf("after a's lease ran out: %+v", e)
	}
	var conns int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM kin_presence_conns`).Scan(&conns); err != nil || conns != 0 {
		t.Fatalf("%d connections left of the expired node (%v)", conns, err)
	}
	b.sweep()
	c.pub.none(t)
	a.refresh() // the lease was lost: a writes its connections again
	if e := c.pub.next(t); e.Status != "online" || e.UserID != "u1" || e.Version != first.Version+2 {
		t.Fatalf("after a renewed: %+v", e)
	}
	a.refresh()
	b.sweep()
	c.pub.none(t)
}
