package httplog

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwlog/gwlog/ramlog"
)

// FileSource is a Source that serves its own file system for GET
// /files/{name}: gwlog.Runtime and gwlog.StoreView do, with FS(). The
// files must be the streams' files by the names ramlog.Stream.Segments
// gives them, as theirs are. The files of a Source that is not a
// FileSource are served from ramlog.NewFS(src.Streams), the same view.
type FileSource interface {
	Source
	// FS returns the streams' files. It is called once per request and
	// must be safe for concurrent use.
	FS() fs.FS
}

// FileInfo is an entry of GET /files: one file of a stream.
type FileInfo struct {
	Name   string `json:"name"` // debug.log, debug.log.1, access.log.2026-11-21, …
	Stream string `json:"stream"`
	Size   int64  `json:"size"` // bytes, a "… N lines dropped" line included
	Lines  uint64 `json:"lines"`
	// First and Last are the times of the file's first and last lines
	// (absent when it has none). A line may carry an earlier time than
	// the one before it (an event logged with its own time), so that
	// First may be after Last.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	Live  bool      `json:"live,omitempty"` // the file being written
}

// Files lists the files of streams: stream by stream, in the order
// given, and newest first within a stream (as Segments lists them).
// Times are in UTC.
func Files(streams []*ramlog.Stream) []FileInfo {
	out := []FileInfo{}
	for _, s := range streams {
		for _, si := range s.Segments() {
			fi := FileInfo{Name: si.Name, Stream: s.Name(), Size: si.Size, Lines: si.Lines, Live: si.Live}
			if !si.First.IsZero() {
				fi.First = si.First.UTC()
			}
			if !si.Last.IsZero() {
				fi.Last = si.Last.UTC()
			}
			out = append(out, fi)
		}
	}
	return out
}

// MaxFileName bounds the length of a name GET /files/{name} takes.
const MaxFileName = 255

// CheckFileName reports whether name can name a stream's file: a plain
// file name, not empty, "." or "..", without a slash or backslash, a
// control character or invalid UTF-8, and at most MaxFileName bytes.
// GET /files/{name} answers 400 for any other.
func CheckFileName(name string) error {
	bad := name == "" || name == "." || name == ".." || len(name) > MaxFileName ||
		strings.ContainsAny(name, `/\`) || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if bad {
		return errors.New("name: want a file name such as debug.log.1, got " + strconv.Quote(name))
	}
	return nil
}

// handleFiles serves GET /files: Files of the source's streams, as JSON.
// It takes no parameters.
func handleFiles(src Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !noParams(w, r, "/files") {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, Files(src.Streams()))
	}
}

// handleFile serves GET /files/{name}: a snapshot of one file, as text,
// with Content-Length and Last-Modified (its last line's time); range
// and conditional requests are answered as http.ServeContent does. The
// snapshot is taken within heavy.
func handleFile(src Source, heavy *gate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := CheckFileName(name); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !noParams(w, r, "/files/{name}") {
			return
		}
		if !heavy.enter(w, r, "read-backs") {
			return
		}
		defer heavy.leave()
		var fsys fs.FS
		if fsrc, ok := src.(FileSource); ok {
			fsys = fsrc.FS()
		} else {
			fsys = ramlog.NewFS(src.Streams)
		}
		f, err := fsys.Open(name)
		if err != nil {
			switch {
			case errors.Is(err, fs.ErrNotExist):
				writeError(w, http.StatusNotFound, "no file "+strconv.Quote(name))
			case errors.Is(err, fs.ErrInvalid):
				writeError(w, http.StatusBadRequest, "name: "+strconv.Quote(name)+" is not a file name")
			default:
				writeError(w, http.StatusInternalServerError, err.Error())
			}
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err == nil && info.IsDir() {
			err = errors.New(strconv.Quote(name) + " is a directory")
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		content, ok := f.(io.ReadSeeker)
		if !ok {
			b, err := io.ReadAll(f)
			if err != nil {
				writeError(w, http.StatusInternalServerError, err.Error())
				return
			}
			content = bytes.NewReader(b)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, name, info.ModTime(), content)
	}
}
