// Package web serves KIN Realtime's dashboard: the single-page app built
// from this directory's sources by `npm run build` into dist/, which is
// committed and embedded in the binary, so serving it needs no Node.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Cache lifetimes: content-hashed assets never change under their name;
// everything else is revalidated (cheaply, by ETag) on every use.
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	indexFile        = "index.html"
	assetsDir        = "assets"
	maxDashboardSize = 64 << 20 // a sanity bound on what is loaded into memory
)

// contentTypes fixes the types of the files a Vite build makes, whatever the
// host's MIME database says (some map .js to text/plain).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".webp":        "image/webp",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
}

type file struct {
	data        []byte
	etag        string
	contentType string
}

type handler struct {
	files map[string]*file // by slash path relative to dist, e.g. "assets/index-abc.js"
	err   error
}

var (
	once sync.Once
	h    *handler
)

// Handler serves the embedded dashboard: index.html at / (and, for
// client-side routes, at any other GET path without a file extension), the
// built files by name, content-hashed ones under /assets/ with year-long
// immutable caching, the rest (index.html included) revalidated by ETag.
// Unknown files are 404. Only GET and HEAD are allowed.
func Handler() http.Handler {
	once.Do(func() {
		sub, err := fs.Sub(dist, "dist")
		if err != nil {
			h = &handler{err: err}
			return
		}
		h = newHandler(sub)
	})
	return h
}

// newHandler loads every file of fsys into memory, with its ETag.
func newHandler(fsys fs.FS) *handler {
	hd := &handler{files: map[string]*file{}}
	total := 0
	hd.err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if total += len(data); total > maxDashboardSize {
			return fs.ErrInvalid
		}
		sum := sha256.Sum256(data)
		hd.files[name] = &file{
			data:        data,
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
			contentType: typeOf(name),
		}
		return nil
	})
	if hd.err == nil && hd.files[indexFile] == nil {
		hd.err = fs.ErrNotExist
	}
	return hd
}

func typeOf(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (hd *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if hd.err != nil {
		http.Error(w, "the dashboard is not built into this binary (run npm run build in web/)", http.StatusServiceUnavailable)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	switch {
	case name == "" || name == indexFile:
		hd.serve(w, r, indexFile)
	case hd.files[name] != nil:
		hd.serve(w, r, name)
	case name == assetsDir || strings.HasPrefix(name, assetsDir+"/"):
		http.NotFound(w, r)
	case path.Ext(name) == "":
		// A client-side route (/voicemails/42): the app decides.
		hd.serve(w, r, indexFile)
	default:
		http.NotFound(w, r)
	}
}

func (hd *handler) serve(w http.ResponseWriter, r *http.Request, name string) {
	f := hd.files[name]
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("ETag", f.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(name, assetsDir+"/") {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	// ServeContent answers If-None-Match (304), Range and HEAD.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
}
