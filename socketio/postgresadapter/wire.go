package postgresadapter

import (
	"encoding/json"
	"errors"

	"github.com/kin-comms/kinrt/socketio/cluster"
)

// header is what the node reads of a notification before handling it:
// who sent it, its type, and, for a message stored in the table, the id
// of its row. Node's adapter notifies {uid, type, attachmentId} for those
// and the whole message, as JSON, for the others.
type header struct {
	UID          string
	Type         cluster.Type
	AttachmentID string
}

var errNotJSON = errors.New("postgresadapter: notification is not a JSON object")

// readHeader reads the header of a notification's payload. Any input is
// safe: a malformed one is an error.
func readHeader(payload string) (header, error) {
	if len(payload) == 0 || payload[0] != '{' {
		return header{}, errNotJSON
	}
	var h struct {
		UID          json.RawMessage `json:"uid"`
		Type         *float64        `json:"type"`
		AttachmentID json.RawMessage `json:"attachmentId"`
	}
	if err := json.Unmarshal([]byte(payload), &h); err != nil {
		return header{}, err
	}
	if h.Type == nil || *h.Type != float64(int(*h.Type)) {
		return header{}, errors.New("postgresadapter: notification without type")
	}
	out := header{Type: cluster.Type(*h.Type)}
	_ = json.Unmarshal(h.UID, &out.UID) // a uid that is not a string is none
	if len(h.AttachmentID) > 0 && string(h.AttachmentID) != "null" {
		var s string
		if json.Unmarshal(h.AttachmentID, &s) != nil {
			var f float64
			if json.Unmarshal(h.AttachmentID, &f) != nil || f < 0 || f != float64(int64(f)) {
				return header{}, errors.New("postgresadapter: attachmentId is not an id")
			}
			s = string(h.AttachmentID)
		}
		if s == "" {
			return header{}, errors.New("postgresadapter: empty attachmentId")
		}
		out.AttachmentID = s
	}
	return out, nil
}
