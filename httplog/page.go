package httplog

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// pageFS holds the page GET / serves: index.html and the script and
// style sheet it loads from page/. They are plain files, written by hand:
// nothing loaded from elsewhere, and no build step but gzip. The binary
// holds them gzipped (page/NAME.gz, written by go generate from the files
// beside them), which keeps gwlogd within its size budget on ARM; a
// browser gets them so, and a client that does not take gzip gets them
// unzipped.
//
//go:generate go run gzpage.go
//go:embed page/index.html.gz page/app.js.gz page/style.css.gz
var pageFS embed.FS

// pageCSP is the page's Content-Security-Policy: its own script and style
// only, requests to this server only, no inline code, no framing. It
// backs up the script's rule of inserting log data as text, never as
// markup.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	name   string // for the content type
	gz     []byte // the file, gzipped
	gzEtag string
	plain  func() ([]byte, string) // the file unzipped, and its ETag
	isDoc  bool                    // the HTML page, which gets the policy headers
}

// etag is the strong ETag of a representation's bytes.
func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// pageAssets are the embedded files by the path they are served at,
// relative to the handler's root without its slash: "" for the page,
// "page/app.js", "page/style.css".
var pageAssets = func() map[string]*asset {
	m := make(map[string]*asset)
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		gz, err := pageFS.ReadFile("page/" + name + ".gz")
		if err != nil {
			panic("httplog: embedded page: " + err.Error()) // cannot happen: go:embed checked it
		}
		a := &asset{name: name, gz: gz, gzEtag: etag(gz)}
		a.plain = sync.OnceValues(func() ([]byte, string) {
			r, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				panic("httplog: embedded page: " + err.Error()) // cannot happen: TestPageGzipped
			}
			b, err := io.ReadAll(r)
			if err != nil {
				panic("httplog: embedded page: " + err.Error())
			}
			return b, etag(b)
		})
		if name == "index.html" {
			a.isDoc = true
			m[""] = a
		} else {
			m["page/"+name] = a
		}
	}
	return m
}()

// acceptsGzip reports whether r's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if coding = strings.TrimSpace(coding); coding != "gzip" && coding != "*" {
				continue
			}
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok || strings.Trim(q, "0.") != "" {
				return true // no q, or one above zero
			}
		}
	}
	return false
}

// servePage serves GET / (the page) and GET /page/{file} (its script and
// style sheet). The page uses relative URLs only, so that it works where
// the handler is mounted under a prefix with http.StripPrefix.
func servePage(w http.ResponseWriter, r *http.Request) {
	key := ""
	if f := r.PathValue("file"); f != "" {
		key = "page/" + f
	}
	a := pageAssets[key]
	if a == nil {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache") // revalidate with the ETag
	h.Set("Vary", "Accept-Encoding")
	if a.isDoc {
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
	}
	body, tag := a.gz, a.gzEtag
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
	} else {
		body, tag = a.plain()
	}
	h.Set("ETag", tag)
	// ServeContent sets the type from the name, answers If-None-Match
	// and ranges; the zero time leaves Last-Modified out.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}
