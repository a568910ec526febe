package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Compression of polling responses (Node's httpCompression): gzip or
// deflate (zlib, RFC 1950, as Node's zlib.createDeflate), as the client's
// Accept-Encoding prefers, for a body of HTTPCompression.Threshold bytes
// or more that carries at least one message allowing compression.

// httpEncodings are the encodings offered, in the order preferred when
// the client likes them equally.
var httpEncodings = [...]string{"gzip", "deflate"}

// acceptedEncoding returns the encoding of httpEncodings that the
// Accept-Encoding values prefer, or "" when they accept none, ranked as
// Node's engine.io ranks them (npm negotiator): by quality, an exact name
// over "*", then by the order of the header, then gzip first.
func acceptedEncoding(values []string) string {
	type rank struct {
		q        float64
		exact    bool
		position int
	}
	var best [len(httpEncodings)]rank
	var found [len(httpEncodings)]bool
	position := 0
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			name = strings.TrimSpace(name)
			if name == "" || strings.ContainsAny(name, " \t") {
				continue
			}
			q := qValue(params)
			for i, enc := range httpEncodings {
				exact := strings.EqualFold(name, enc)
				if !exact && name != "*" {
					continue
				}
				r := rank{q: q, exact: exact, position: position}
				b := best[i]
				// The most specific spec wins, then the higher q, then
				// the later one (as negotiator does).
				if !found[i] || (r.exact && !b.exact) || (r.exact == b.exact && r.q >= b.q) {
					best[i], found[i] = r, true
				}
			}
			position++
		}
	}
	choice := -1
	for i := range httpEncodings {
		if !found[i] || !(best[i].q > 0) {
			continue
		}
		if choice < 0 || better(best[i].q, best[i].exact, best[i].position, best[choice].q, best[choice].exact, best[choice].position) {
			choice = i
		}
	}
	if choice < 0 {
		return ""
	}
	return httpEncodings[choice]
}

// better reports whether a spec ranks before another: higher quality,
// then exact, then earlier in the header.
func better(q1 float64, exact1 bool, pos1 int, q2 float64, exact2 bool, pos2 int) bool {
	if q1 != q2 {
		return q1 > q2
	}
	if exact1 != exact2 {
		return exact1
	}
	return pos1 < pos2
}

// qValue returns the q parameter of an Accept-Encoding item's parameters
// (1 when absent, 0 when not a number).
func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.TrimSpace(k) != "q" {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0
		}
		return q
	}
	return 1
}

// httpCompressors holds pooled compressors per encoding and level.
var httpCompressors sync.Map // httpCompressorKey → *sync.Pool

type httpCompressorKey struct {
	encoding string
	level    int
}

// compressor is a gzip.Writer or a zlib.Writer.
type compressor interface {
	io.WriteCloser
	Reset(w io.Writer)
}

func getCompressor(encoding string, level int, w io.Writer) compressor {
	key := httpCompressorKey{encoding, level}
	p, ok := httpCompressors.Load(key)
	if !ok {
		p, _ = httpCompressors.LoadOrStore(key, &sync.Pool{})
	}
	if c, ok := p.(*sync.Pool).Get().(compressor); ok {
		c.Reset(w)
		return c
	}
	var c compressor
	if encoding == "gzip" {
		c, _ = gzip.NewWriterLevel(w, level) // level is valid (compressionLevel)
	} else {
		c, _ = zlib.NewWriterLevel(w, level)
	}
	return c
}

func putCompressor(encoding string, level int, c compressor) {
	c.Reset(io.Discard)
	if p, ok := httpCompressors.Load(httpCompressorKey{encoding, level}); ok {
		p.(*sync.Pool).Put(c)
	}
}

// compressPoll returns the body of a polling response, compressed when
// the options, its size and the request allow it, in which case it sets
// Content-Encoding in h. compressible says that a message in body allows
// compression.
func (s *Server) compressPoll(h http.Header, r *http.Request, body []byte, compressible bool) []byte {
	hc := s.opts.HTTPCompression
	if !compressible || hc.Disable || len(body) < hc.Threshold {
		return body
	}
	encoding := acceptedEncoding(r.Header.Values("Accept-Encoding"))
	if encoding == "" {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body)/2 + 64)
	c := getCompressor(encoding, hc.Level, &out)
	_, err := c.Write(body)
	if err == nil {
		err = c.Close()
	}
	putCompressor(encoding, hc.Level, c)
	if err != nil { // writes to a bytes.Buffer do not fail
		return body
	}
	h.Set("Content-Encoding", encoding)
	return out.Bytes()
}
