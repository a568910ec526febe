package sqldb

import (
	"database/sql"
	"errors"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// resource is how upsert reads and writes one TaskRouter resource.
type resource[T any] struct {
	// lock reads the stored record for update.
	lock func() (T, error)
	// insert stores the new record; ok is false if another transaction
	// stored it first.
	insert func() (rec T, ok bool, err error)
	// newer reports whether the update is newer than cur.
	newer func(cur T) bool
	// update writes the update merged into cur and returns the result.
	update func(cur T) (T, error)
}

// upsert creates a resource, or updates it unless the update is stale.
func upsert[T any](r resource[T]) (store.Change[T], error) {
	for range 2 { // a second round only after losing a race to create it
		cur, err := r.lock()
		if errors.Is(err, sql.ErrNoRows) {
			rec, ok, err := r.insert()
			if err != nil {
				return store.Change[T]{}, err
			}
			if !ok {
				continue
			}
			return store.Change[T]{Record: rec, Created: true, Applied: true}, nil
		}
		if err != nil {
			return store.Change[T]{}, err
		}
		if !r.newer(cur) {
			return store.Change[T]{Record: cur, Previous: cur}, nil
		}
		rec, err := r.update(cur)
		return store.Change[T]{Record: rec, Previous: cur, Applied: err == nil}, err
	}
	return store.Change[T]{}, errors.New("created and gone concurrently")
}

// newerEvent orders the events of one TaskRouter resource: by version,
// then by the event's time.
func newerEvent(version int64, at time.Time, curVersion int64, curAt time.Time) bool {
	if version != curVersion {
		return version > curVersion
	}
	return store.Truncate(at).After(curAt)
}

// inserted reports whether an INSERT … ON CONFLICT DO NOTHING inserted.
func inserted(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// jsonText is how attributes are stored: the raw JSON (cleaned, see
// textQuerier), "" for none.
func jsonText(v []byte) jsonValue { return jsonValue(v) }

// rawJSON is the attributes read back: nil for none.
func rawJSON(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// keepJSON returns v, or old if v is empty.
func keepJSON(v, old []byte) []byte {
	if len(v) == 0 {
		return old
	}
	return v
}
