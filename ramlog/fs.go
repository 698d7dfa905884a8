package ramlog

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// FS is a read-only fs.FS over streams: one flat directory holding every
// stream's files by the names Segments gives (debug.log, debug.log.1,
// access.log.2026-11-21, …). Opening a file takes a snapshot of it, so
// http.FS(fsys) and fs.ReadFile(fsys, "debug.log.1") work while the
// streams are written. Safe for concurrent use.
type FS struct {
	streams func() []*Stream
}

// NewFS returns the view of the streams that list returns at each call.
func NewFS(list func() []*Stream) *FS { return &FS{streams: list} }

var (
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
)

// Open opens the named file, or "." for the directory.
func (f *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		entries, err := f.ReadDir(".")
		if err != nil {
			return nil, err
		}
		return &dir{entries: entries}, nil
	}
	data, info, err := f.snapshot(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{Reader: bytes.NewReader(data), info: info}, nil
}

// ReadFile returns a snapshot of the named file.
func (f *FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	data, _, err := f.snapshot(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: err}
	}
	return data, nil
}

// Stat describes the named file.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	file, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return file.Stat()
}

func (f *FS) snapshot(name string) ([]byte, fileInfo, error) {
	for _, s := range f.streams() {
		if name != s.base && !strings.HasPrefix(name, s.base+".") {
			continue
		}
		if data, si, ok := s.AppendFile(nil, name); ok {
			return data, fileInfo{name: name, size: int64(len(data)), mod: si.Last}, nil
		}
	}
	return nil, fileInfo{}, fs.ErrNotExist
}

// ReadDir lists every stream's files, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		if !fs.ValidPath(name) {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for _, s := range f.streams() {
		for _, si := range s.Segments() {
			out = append(out, fs.FileInfoToDirEntry(fileInfo{name: si.Name, size: si.Size, mod: si.Last}))
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

type fileInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) ModTime() time.Time { return i.mod }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

type dir struct {
	entries []fs.DirEntry
	off     int
}

func (d *dir) Stat() (fs.FileInfo, error) { return fileInfo{name: ".", dir: true}, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
