package parser_test

import (
	"encoding/json"
	"fmt"

	"github.com/kin-comms/kinrt/socketio/parser"
)

func ExampleEncode() {
	// An event with a binary argument and an ack id on namespace /chat.
	var data []byte
	data = append(data, `["upload","a.png",`...)
	data = parser.AppendPlaceholder(data, 0)
	data = append(data, ']')
	p := &parser.Packet{
		Type:        parser.BinaryEvent,
		Namespace:   "/chat",
		ID:          7,
		HasID:       true,
		Data:        data,
		Attachments: [][]byte{{0x89, 'P', 'N', 'G'}},
	}
	text, attachments := parser.Encode(p)
	fmt.Printf("%s\n", text)
	fmt.Printf("%q\n", attachments)
	// Output:
	// 51-/chat,7["upload","a.png",{"_placeholder":true,"num":0}]
	// ["\x89PNG"]
}

func ExampleDecoder_Decode() {
	var d parser.Decoder
	messages := []struct {
		data   string
		binary bool
	}{
		{`2/chat,12["message","hi",1.50]`, false},
		{`51-["file",{"_placeholder":true,"num":0}]`, false},
		{"\x00\x01", true},
		{`2{}`, false},
	}
	for _, m := range messages {
		p, err := d.Decode([]byte(m.data), m.binary)
		switch {
		case err != nil:
			fmt.Println("error:", err)
		case p == nil:
			fmt.Println("waiting for attachments")
		default:
			fmt.Println(p.Type, p.Namespace, p.HasID, p.ID, string(p.Data), len(p.Attachments))
		}
	}
	// Output:
	// EVENT /chat true 12 ["message","hi",1.50] 0
	// waiting for attachments
	// BINARY_EVENT / false 0 ["file",{"_placeholder":true,"num":0}] 1
	// error: socketio/parser: invalid packet: EVENT data must be a JSON array
}

func ExampleSplitArgs() {
	args, err := parser.SplitArgs(json.RawMessage(`["message", 1.50, {"b":1,"a":2}, {"_placeholder":true,"num":0}]`))
	if err != nil {
		panic(err)
	}
	for _, a := range args {
		if n, ok := parser.IsPlaceholder(a); ok {
			fmt.Println("attachment", n)
			continue
		}
		fmt.Println(string(a))
	}
	fmt.Println(string(parser.AppendArgs(nil, args[1:3])))
	// Output:
	// "message"
	// 1.50
	// {"b":1,"a":2}
	// attachment 0
	// [1.50,{"b":1,"a":2}]
}
