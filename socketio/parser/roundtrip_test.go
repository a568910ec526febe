package parser

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// gen generates random valid packets.
type gen struct{ r *rand.Rand }

func (g gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g gen) str() string {
	return g.pick(`""`, `"a"`, `"hello world"`, `"\"quoted\" \\ back"`, `"\u00e9t\u00e9"`, `"été ✓"`, `"]},{["`, `"_placeholder"`, `"connect"`)
}

func (g gen) num() string {
	return g.pick(`0`, `-1`, `1.50`, `1e3`, `-0.0E+1`, `123456789012345678901234567890`, strconv.Itoa(g.r.IntN(1000)))
}

func (g gen) value(depth int, atts int) string {
	k := g.r.IntN(8)
	if depth > 3 {
		k %= 4
	}
	switch k {
	case 0:
		return g.str()
	case 1:
		return g.num()
	case 2:
		return g.pick(`true`, `false`, `null`)
	case 3:
		if atts > 0 {
			return string(AppendPlaceholder(nil, g.r.IntN(atts)))
		}
		return g.pick(`{"_placeholder":false,"num":1}`, `{"num":1}`)
	case 4, 5:
		return g.array(depth+1, atts, "")
	default:
		s := "{"
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				s += g.pick(",", " , ")
			}
			// "_placeholder" keys are only valid in placeholders.
			s += g.pick(`""`, `"a"`, `"\"k\" \\"`, `"été ✓"`, `"num"`) + g.pick(":", " : ") + g.value(depth+1, atts)
		}
		return s + "}"
	}
}

func (g gen) array(depth, atts int, first string) string {
	s := "[" + first
	for i, n := 0, g.r.IntN(4); i < n; i++ {
		if i > 0 || first != "" {
			s += g.pick(",", ", ")
		}
		s += g.value(depth, atts)
	}
	return s + "]"
}

func (g gen) packet() *Packet {
	p := &Packet{Type: Type(g.r.IntN(7)), Namespace: g.pick("/", "/", "/chat", "/a/b", "/ü", "/{x}", "/1", `/"`)}
	if p.Type.IsBinary() {
		n := g.r.IntN(4)
		if n > 0 {
			p.Attachments = make([][]byte, n)
		}
		for i := range p.Attachments {
			b := make([]byte, g.r.IntN(5))
			for j := range b {
				b[j] = byte(g.r.Uint32())
			}
			p.Attachments[i] = b
		}
	}
	atts := len(p.Attachments)
	switch p.Type {
	case Connect:
		if g.r.IntN(2) == 0 {
			p.Data = []byte(g.pick(`{}`, `{"token":"abc"}`, ` {"a" : [1, 2]} `))
		}
	case ConnectError:
		p.Data = []byte(g.pick(`"not allowed"`, `{"message":"Invalid namespace"}`, `{"message":"x","data":{"code":1}}`))
	case Event, BinaryEvent:
		p.Data = []byte(g.array(0, atts, g.pick(`"message"`, `"chat:msg"`, `"connection"`, `1`, `-2.5`, `"\u0063onnect!"`)))
		p.ID, p.HasID = g.r.Uint64()>>g.r.IntN(64), g.r.IntN(2) == 0
	case Ack, BinaryAck:
		p.Data = []byte(g.array(0, atts, ""))
		p.ID, p.HasID = g.r.Uint64()>>g.r.IntN(64), true
	}
	if !p.HasID {
		p.ID = 0
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	var d Decoder
	for i := 0; i < 20000; i++ {
		p := g.packet()
		text, atts := Encode(p)
		got, err := decodeAll(&d, text, atts)
		if err != nil {
			t.Fatalf("packet %s encoded as %s: %v", describe(p), text, err)
		}
		if !equalPackets(got, p) {
			t.Fatalf("packet %s encoded as %s decoded as %s", describe(p), text, describe(got))
		}
		if p.Data != nil {
			if _, err := checkArgs(p); err != nil {
				t.Fatalf("packet %s: %v", describe(p), err)
			}
		}
	}
}

// checkArgs splits the data of event and ack packets and checks that
// joining the parts gives an array with the same parts.
func checkArgs(p *Packet) (int, error) {
	switch p.Type {
	case Event, Ack, BinaryEvent, BinaryAck:
		args, err := SplitArgs(p.Data)
		if err != nil {
			return 0, err
		}
		again, err := SplitArgs(AppendArgs(nil, args))
		if err != nil {
			return 0, err
		}
		if len(again) != len(args) {
			return 0, strconv.ErrRange
		}
		for i := range args {
			if string(args[i]) != string(again[i]) {
				return 0, strconv.ErrRange
			}
		}
		return len(args), nil
	}
	return 0, nil
}
