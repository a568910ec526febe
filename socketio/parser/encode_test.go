package parser

import (
	"testing"
)

func TestAppendText(t *testing.T) {
	tests := []struct {
		p    Packet
		want string
	}{
		{Packet{Type: Connect}, `0`},
		{Packet{Type: Connect, Namespace: "/"}, `0`},
		{Packet{Type: Connect, Namespace: "/admin"}, `0/admin,`},
		{Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"sid":"abc"}`)}, `0/admin,{"sid":"abc"}`},
		{Packet{Type: Disconnect, Namespace: "/admin"}, `1/admin,`},
		{Packet{Type: Disconnect}, `1`},
		{Packet{Type: Event, Data: []byte(`["message",1,"2",{"3":[true]}]`)}, `2["message",1,"2",{"3":[true]}]`},
		{Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true, Data: []byte(`["m"]`)}, `2/chat,12["m"]`},
		{Packet{Type: Event, ID: 0, HasID: true, Data: []byte(`["m"]`)}, `20["m"]`},
		{Packet{Type: Event, ID: 5, HasID: false, Data: []byte(`["m"]`)}, `2["m"]`},
		{Packet{Type: Event, Data: []byte(`["m"]`), Attachments: [][]byte{{1}}}, `2["m"]`},
		{Packet{Type: Ack, ID: 18446744073709551615, HasID: true, Data: []byte(`[]`)}, `318446744073709551615[]`},
		{Packet{Type: ConnectError, Namespace: "/x", Data: []byte(`{"message":"no"}`)}, `4/x,{"message":"no"}`},
		{Packet{Type: BinaryEvent, Data: []byte(`["m"]`)}, `50-["m"]`},
		{Packet{Type: BinaryEvent, Data: []byte(`["m",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}, `51-["m",{"_placeholder":true,"num":0}]`},
		{Packet{Type: BinaryEvent, Namespace: "/b", ID: 3, HasID: true, Data: []byte(`["m"]`), Attachments: [][]byte{{1}, {2}}}, `52-/b,3["m"]`},
		{Packet{Type: BinaryAck, ID: 7, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{}}}, `61-7[{"_placeholder":true,"num":0}]`},
		{Packet{Type: BinaryAck, ID: 7, HasID: true, Data: []byte(`[]`), Attachments: make([][]byte, 12)}, `612-7[]`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(AppendText(nil, &tt.p)); got != tt.want {
				t.Errorf("AppendText = %s, want %s", got, tt.want)
			}
			if got := string(AppendText([]byte("prefix"), &tt.p)); got != "prefix"+tt.want {
				t.Errorf("AppendText with prefix = %s", got)
			}
			text, att := Encode(&tt.p)
			if string(text) != tt.want {
				t.Errorf("Encode = %s, want %s", text, tt.want)
			}
			if tt.p.Type.IsBinary() {
				if len(att) != len(tt.p.Attachments) || (len(att) > 0 && &att[0] != &tt.p.Attachments[0]) {
					t.Errorf("Encode attachments are not p.Attachments")
				}
			} else if att != nil {
				t.Errorf("Encode returned attachments %q for %v", att, tt.p.Type)
			}
		})
	}
}

func TestAppendTextNoAllocs(t *testing.T) {
	p := &Packet{Type: BinaryEvent, Namespace: "/chat", ID: 42, HasID: true,
		Data: []byte(`["message",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendText(buf[:0], p) }); n != 0 {
		t.Errorf("AppendText allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Encode(p) }); n != 1 {
		t.Errorf("Encode allocates %v times, want 1", n)
	}
}

func TestTypeString(t *testing.T) {
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "Type(7)"}
	for i, w := range want {
		if got := Type(i).String(); got != w {
			t.Errorf("Type(%d).String() = %q, want %q", i, got, w)
		}
	}
	for ty := Connect; ty <= BinaryAck+1; ty++ {
		if got, want := ty.IsBinary(), ty == BinaryEvent || ty == BinaryAck; got != want {
			t.Errorf("%v.IsBinary() = %v", ty, got)
		}
	}
}
