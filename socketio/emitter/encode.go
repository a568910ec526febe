package emitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
)

// Message types. The classic adapter's requests (RequestType of
// @socket.io/redis-adapter and -emitter) and the sharded adapter's cluster
// messages (MessageType of socket.io-adapter's ClusterAdapter) number them
// differently.
type requestKind int

const (
	reqJoin requestKind = iota
	reqLeave
	reqDisconnect
)

var (
	classicType = map[requestKind]int{reqJoin: 2, reqLeave: 3, reqDisconnect: 4}
	shardedType = map[requestKind]int{reqJoin: 4, reqLeave: 5, reqDisconnect: 6}
)

const (
	classicServerSideEmit = 6
	shardedBroadcast      = 3
	shardedServerSideEmit = 9
	packetEvent           = 2 // socket.io-parser's EVENT; binary travels as bin
)

// maxDepth bounds the nesting of an argument, far above any real event.
const maxDepth = 128

var errDepth = errors.New("emitter: argument nested too deep")

// value is an argument as the wire has it: nil, bool, string, int64,
// uint64, float64, []byte, []any or map[string]any of values.
type value = any

// eventData returns [event, args...] as values, and whether it holds
// binary.
func eventData(event string, args []any) ([]value, error) {
	out := make([]value, 0, len(args)+1)
	out = append(out, event)
	for _, a := range args {
		v, err := normalize(a, 0)
		if err != nil {
			return nil, fmt.Errorf("emitter: argument %d: %w", len(out), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// normalize turns an argument into a value: []byte stays binary (also in
// map[string]any and []any), json.RawMessage is decoded, anything else
// goes through encoding/json, as socketio's Emit encodes it.
func normalize(v any, depth int) (value, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	switch x := v.(type) {
	case nil, bool, string, int64, uint64, []byte:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("emitter: unsupported number %v", x)
		}
		return x, nil
	case json.Number:
		return number(x)
	case json.RawMessage:
		if len(x) == 0 {
			return nil, nil
		}
		return decodeJSON(x, depth)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b, depth)
}

// decodeJSON decodes a JSON value into values, numbers kept exact.
func decodeJSON(b []byte, depth int) (value, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return normalize(v, depth+1)
}

// number is a JSON number as an int64, uint64 or float64.
func number(n json.Number) (value, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return u, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return nil, fmt.Errorf("emitter: number %s: %w", n, err)
	}
	return f, nil
}

// hasBinary reports whether v holds a []byte.
func hasBinary(v value) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		return slices.ContainsFunc(x, hasBinary)
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// writeValue writes v (a value or an obj) as notepack.io writes the
// JavaScript value: an integral number as an integer, binary as bin. The
// members of a map go in key order, for a stable encoding.
func writeValue(e *msgpack.Encoder, v value) error {
	switch x := v.(type) {
	case nil:
		return e.EncodeNil()
	case bool:
		return e.EncodeBool(x)
	case string:
		return e.EncodeString(x)
	case int64:
		return e.EncodeInt(x)
	case uint64:
		return e.EncodeUint(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return e.EncodeInt(int64(x))
		}
		return e.EncodeFloat64(x)
	case []byte:
		return e.EncodeBytes(x)
	case obj:
		if err := e.EncodeMapLen(len(x)); err != nil {
			return err
		}
		for _, m := range x {
			_ = e.EncodeString(m.key)
			if err := writeValue(e, m.val); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if err := e.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, el := range x {
			if err := writeValue(e, el); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if err := e.EncodeMapLen(len(keys)); err != nil {
			return err
		}
		for _, k := range keys {
			_ = e.EncodeString(k)
			if err := writeValue(e, x[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("emitter: cannot encode %s", reflect.TypeOf(v))
}

// obj is an object whose members keep their order (Node's
// JSON.stringify and notepack write them in insertion order).
type obj []member

type member struct {
	key string
	val any // a value, or an obj
}

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(m.key)
		b = append(append(b, k...), ':')
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

func encodeMsgpack(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	if err := writeValue(e, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeCluster encodes a cluster message of the sharded adapter: JSON, or
// MessagePack when it holds binary, as the Node adapter chooses.
func encodeCluster(msg obj, binary bool) ([]byte, error) {
	if binary {
		return encodeMsgpack(msg)
	}
	return json.Marshal(msg)
}

func strs(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// wireOpts are the selection as the adapters read it: {rooms, except} for
// the classic requests, {rooms, except, flags} for the sharded adapter's
// messages (encodeOptions of socket.io-adapter).
func (o *Operator) wireOpts(flags bool) obj {
	opts := obj{{"rooms", strs(o.rooms)}, {"except", strs(o.except)}}
	if flags {
		opts = append(opts, member{"flags", o.flags()})
	}
	return opts
}

func (o *Operator) flags() obj {
	if o.volatile {
		return obj{{"volatile", true}}
	}
	return obj{}
}

// encodeBroadcast encodes a broadcast of data ([event, args...]).
func (o *Operator) encodeBroadcast(data []value) ([]byte, error) {
	packet := obj{{"type", int64(packetEvent)}, {"data", []any(data)}, {"nsp", o.e.nsp}}
	if !o.e.opts.Sharded {
		// {rooms, flags, except}, in the Node emitter's order
		opts := obj{{"rooms", strs(o.rooms)}, {"flags", o.flags()}, {"except", strs(o.except)}}
		return encodeMsgpack([]any{UID, packet, opts})
	}
	msg := obj{{"uid", UID}, {"nsp", o.e.nsp}, {"type", int64(shardedBroadcast)},
		{"data", obj{{"packet", packet}, {"opts", o.wireOpts(true)}}}}
	return encodeCluster(msg, hasBinary([]any(data)))
}

// encodeRequest encodes a join, leave or disconnect request.
func (o *Operator) encodeRequest(kind requestKind, rooms []string, close bool) ([]byte, error) {
	if !o.e.opts.Sharded {
		r := obj{{"type", int64(classicType[kind])}, {"opts", o.wireOpts(false)}}
		if kind == reqDisconnect {
			r = append(r, member{"close", close})
		} else {
			r = append(r, member{"rooms", strs(rooms)})
		}
		return json.Marshal(r)
	}
	data := obj{{"opts", o.wireOpts(true)}}
	if kind == reqDisconnect {
		data = append(data, member{"close", close})
	} else {
		data = append(data, member{"rooms", strs(rooms)})
	}
	return json.Marshal(obj{{"uid", UID}, {"nsp", o.e.nsp}, {"type", int64(shardedType[kind])}, {"data", data}})
}

// encodeServerSideEmit encodes a server-side event; its arguments travel
// as JSON.
func (e *Emitter) encodeServerSideEmit(event string, args []any) ([]byte, error) {
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	data = append(data, args...)
	if !e.opts.Sharded {
		return json.Marshal(obj{{"uid", UID}, {"type", int64(classicServerSideEmit)}, {"data", data}})
	}
	return json.Marshal(obj{{"uid", UID}, {"nsp", e.nsp}, {"type", int64(shardedServerSideEmit)}, {"data", obj{{"packet", data}}}})
}
