package socketio

import "testing"

func TestBroadcastOptionsSelects(t *testing.T) {
	tests := []struct {
		name          string
		rooms, except []string
		socket        []string
		want          bool
	}{
		{"everyone", nil, nil, []string{"sid"}, true},
		{"in a room", []string{"a", "b"}, nil, []string{"sid", "b"}, true},
		{"in no room", []string{"a"}, nil, []string{"sid", "b"}, false},
		{"excepted", nil, []string{"b"}, []string{"sid", "b"}, false},
		{"in a room but excepted", []string{"a"}, []string{"b"}, []string{"sid", "a", "b"}, false},
		{"in a room, not excepted", []string{"a"}, []string{"c"}, []string{"sid", "a", "b"}, true},
		{"no rooms at all", []string{"a"}, nil, nil, false},
	}
	for _, tt := range tests {
		opts := BroadcastOptions{Rooms: tt.rooms, Except: tt.except}
		if got := opts.Selects(tt.socket); got != tt.want {
			t.Errorf("%s: Selects(%v) = %v, want %v", tt.name, tt.socket, got, tt.want)
		}
	}
}
