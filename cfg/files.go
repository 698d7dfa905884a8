package cfg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// Files are config files as read, with what tells whether they have
// changed since: a runtime keeps those it applied, and reloads when
// Changed says so.
type Files []fileState

// fileState is one config file as read: its content, or missing when it
// is optional and absent.
type fileState struct {
	Source
	missing bool
	mod     time.Time
	size    int64
}

// ReadFiles reads the config files at paths, in order; a path ending in
// "?" may be missing (the "?" is not part of the name). A file that
// cannot be read is an error such as "cfg: open log.cfg: no such file or
// directory", which matches fs.ErrNotExist; one that is not a regular
// file (a FIFO, a device, a directory) is refused with ErrNotRegular.
func ReadFiles(paths []string) (Files, error) {
	out := make(Files, 0, len(paths))
	for _, p := range paths {
		name, optional := strings.CutSuffix(p, "?")
		s := fileState{Source: Source{Name: name}}
		info, data, err := readRegular(name)
		if err == nil {
			s.mod, s.size, s.Data = info.ModTime(), info.Size(), data
		}
		switch {
		case err == nil:
		case optional && errors.Is(err, fs.ErrNotExist):
			s.missing = true
		default:
			return nil, fmt.Errorf("cfg: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// readRegular reads the regular file at name. Anything else is refused
// before it is read: a FIFO would wait for a writer for ever, a device
// might never end. The file is opened without blocking (a FIFO's open
// would wait too) and without becoming a controlling terminal, and the
// opened file is checked, so that what is read is what was checked.
func readRegular(name string) (fs.FileInfo, []byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, notRegular(name, info.Mode())
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, err
	}
	return info, data, nil
}

// notRegular is the error for a file of mode m at name: "open NAME: not a
// regular file: a FIFO".
func notRegular(name string, m fs.FileMode) error {
	what := "mode " + m.Type().String()
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w: %s", ErrNotRegular, what)}
}

// Parse merges the files over the embedded profile (Parse); profile, when
// not empty, is the one to use unless a file names one. With no file
// present it is the profile alone.
func (f Files) Parse(profile string) (*Config, error) {
	var list []Source
	if profile != "" {
		list = append(list, Source{Name: "options", Data: []byte("[runtime]\nprofile = " + profile + "\n")})
	}
	for _, s := range f {
		if !s.missing {
			list = append(list, s.Source)
		}
	}
	if len(list) == 0 {
		return Default("")
	}
	return Parse(list...)
}

// Changed reports whether any file differs from what was read: its mtime
// or size first, then its content. A file that has gone, or become
// unreadable or not a regular file, has changed: a reload then says why.
func (f Files) Changed() bool {
	for _, s := range f {
		info, err := os.Stat(s.Name)
		switch {
		case err != nil:
			if !s.missing {
				return true
			}
			continue
		case s.missing, !info.Mode().IsRegular():
			return true
		case info.ModTime().Equal(s.mod) && info.Size() == s.size:
			continue
		}
		_, data, err := readRegular(s.Name)
		if err != nil || !bytes.Equal(data, s.Data) {
			return true
		}
	}
	return false
}
