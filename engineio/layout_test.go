package engineio

import (
	"testing"
	"unsafe"
)

// TestConnLayout guards what Conn's doc promises: the fields a Send
// touches lie in the first two cache lines, and the size is one of the
// allocator's classes that are multiples of 64 (so every Conn starts on a
// cache line). After adding or removing a field, adjust the padding.
func TestConnLayout(t *testing.T) {
	var c Conn
	if size := unsafe.Sizeof(c); size%64 != 0 || size > 512 {
		t.Errorf("Conn is %d bytes, not a multiple of 64 up to 512 (adjust its padding)", size)
	}
	hot := []struct {
		name   string
		offset uintptr
		size   uintptr
	}{
		{"mu", unsafe.Offsetof(c.mu), unsafe.Sizeof(c.mu)},
		{"state", unsafe.Offsetof(c.state), unsafe.Sizeof(c.state)},
		{"writing", unsafe.Offsetof(c.writing), unsafe.Sizeof(c.writing)},
		{"queued", unsafe.Offsetof(c.queued), unsafe.Sizeof(c.queued)},
		{"queue", unsafe.Offsetof(c.queue), unsafe.Sizeof(c.queue)},
		{"qhold", unsafe.Offsetof(c.qhold), unsafe.Sizeof(c.qhold)},
		{"flusher", unsafe.Offsetof(c.flusher), unsafe.Sizeof(c.flusher)},
		{"transport", unsafe.Offsetof(c.transport), unsafe.Sizeof(c.transport)},
		{"ws", unsafe.Offsetof(c.ws), unsafe.Sizeof(c.ws)},
		{"srv", unsafe.Offsetof(c.srv), unsafe.Sizeof(c.srv)},
		{"wake", unsafe.Offsetof(c.wake), unsafe.Sizeof(c.wake)},
	}
	for _, f := range hot {
		if f.offset+f.size > 128 {
			t.Errorf("%s at bytes %d–%d, past the first two cache lines", f.name, f.offset, f.offset+f.size)
		}
	}
}

// A frame is 32 bytes: queues of dozens of them are what a busy
// connection holds and the garbage collector scans.
func TestFrameSize(t *testing.T) {
	if size := unsafe.Sizeof(frame{}); size != 32 {
		t.Errorf("frame is %d bytes, want 32 (keep the slice first)", size)
	}
}
