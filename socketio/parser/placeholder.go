package parser

import (
	"encoding/json"
	"strconv"
)

// maxPlaceholderNum bounds the num of a placeholder, far above any real
// attachment count.
const maxPlaceholderNum = 1<<31 - 1

// AppendPlaceholder appends the placeholder for attachment num (num >= 0),
// {"_placeholder":true,"num":N}, to dst and returns the extended buffer.
func AppendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	return append(dst, '}')
}

// IsPlaceholder reports whether raw is an attachment placeholder: a JSON
// object with exactly the members "_placeholder": true and "num": N, N a
// non-negative integer written without fraction or exponent, in any order
// and with any white space. It returns N.
//
// For a packet returned by [Decoder.Decode], every value for which
// IsPlaceholder is true has a num below len(Attachments).
func IsPlaceholder(raw json.RawMessage) (num int, ok bool) {
	b := raw
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i++
	var seenFlag, seenNum bool
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		end := skipString(b, i)
		key := b[i:end]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipWS(b, i+1)
		switch {
		case !seenFlag && isKey(key, "_placeholder"):
			if len(b)-i < 4 || string(b[i:i+4]) != "true" {
				return 0, false
			}
			seenFlag = true
			i += 4
		case !seenNum && isKey(key, "num"):
			n, j, ok := parsePlaceholderNum(b, i)
			if !ok {
				return 0, false
			}
			num, seenNum, i = n, true, j
		default: // another member, or a repeated one
			return 0, false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return 0, false
		}
		i++
	}
	if !seenFlag || !seenNum || skipWS(b, i+1) != len(b) {
		return 0, false
	}
	return num, true
}

// isKey reports whether key, a possibly malformed JSON string token, is a
// well-formed string denoting s.
func isKey(key []byte, s string) bool {
	if len(key) < 2 || key[len(key)-1] != '"' {
		return false
	}
	return stringTokenIs(key, s)
}

// parsePlaceholderNum parses the integer at b[i]: "0" or a digit 1-9
// followed by digits. It returns the value and the index after it.
func parsePlaceholderNum(b []byte, i int) (n, end int, ok bool) {
	if i >= len(b) || !isDigit(b[i]) {
		return 0, i, false
	}
	if b[i] == '0' {
		return 0, i + 1, true
	}
	for ; i < len(b) && isDigit(b[i]); i++ {
		n = n*10 + int(b[i]-'0')
		if n > maxPlaceholderNum {
			return 0, i, false
		}
	}
	return n, i, true
}
