package httplog

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"net/http"
	"time"
)

// pageFS holds the page GET / serves: index.html and the script and
// style sheet it loads from page/. They are plain files, written by hand:
// no build step, and nothing loaded from elsewhere.
//
//go:embed page/index.html page/app.js page/style.css
var pageFS embed.FS

// pageCSP is the page's Content-Security-Policy: its own script and style
// only, requests to this server only, no inline code, no framing. It
// backs up the script's rule of inserting log data as text, never as
// markup.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	name  string // for the content type
	data  []byte
	etag  string
	isDoc bool // the HTML page, which gets the policy headers
}

// pageAssets are the embedded files by the path they are served at,
// relative to the handler's root without its slash: "" for the page,
// "page/app.js", "page/style.css".
var pageAssets = func() map[string]*asset {
	m := make(map[string]*asset)
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		data, err := pageFS.ReadFile("page/" + name)
		if err != nil {
			panic("httplog: embedded page: " + err.Error()) // cannot happen: go:embed checked it
		}
		sum := sha256.Sum256(data)
		a := &asset{name: name, data: data, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		if name == "index.html" {
			a.isDoc = true
			m[""] = a
		} else {
			m["page/"+name] = a
		}
	}
	return m
}()

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
	h.Set("ETag", a.etag)
	if a.isDoc {
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
	}
	// ServeContent sets the type from the name, answers If-None-Match
	// and ranges; the zero time leaves Last-Modified out.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}
