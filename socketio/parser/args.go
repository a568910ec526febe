package parser

import "encoding/json"

// SplitArgs splits data, a JSON array such as the data of an EVENT or ACK,
// into its elements. The elements are subslices of data, byte for byte as
// written (white space around them excluded): numbers keep their text and
// objects their member order. An empty array gives a nil slice. Errors
// wrap [ErrInvalidPacket].
func SplitArgs(data json.RawMessage) ([]json.RawMessage, error) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errorf("data is not a JSON array")
	}
	if !validJSON(data) {
		return nil, errorf("data is not valid JSON")
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == ']' {
		return nil, nil
	}
	args := make([]json.RawMessage, 0, 4)
	for i < len(data) {
		end := skipValue(data, i)
		args = append(args, data[i:end:end])
		i = skipWS(data, end)
		if i >= len(data) || data[i] != ',' {
			break // ']'
		}
		i = skipWS(data, i+1)
	}
	return args, nil
}

// AppendArgs appends the JSON array of args, [a,b,c], to dst and returns
// the extended buffer. Each element is copied as is; an empty element is
// written as null.
func AppendArgs(dst []byte, args []json.RawMessage) []byte {
	dst = append(dst, '[')
	for k, a := range args {
		if k > 0 {
			dst = append(dst, ',')
		}
		if len(a) == 0 {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, a...)
		}
	}
	return append(dst, ']')
}
