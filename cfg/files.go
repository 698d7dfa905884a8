package cfg

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
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
// directory", which matches fs.ErrNotExist.
func ReadFiles(paths []string) (Files, error) {
	out := make(Files, 0, len(paths))
	for _, p := range paths {
		name, optional := strings.CutSuffix(p, "?")
		s := fileState{Source: Source{Name: name}}
		info, err := os.Stat(name)
		if err == nil {
			s.mod, s.size = info.ModTime(), info.Size()
			s.Data, err = os.ReadFile(name)
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
// unreadable, has changed: a reload then says why.
func (f Files) Changed() bool {
	for _, s := range f {
		info, err := os.Stat(s.Name)
		switch {
		case err != nil:
			if !s.missing {
				return true
			}
			continue
		case s.missing:
			return true
		case info.ModTime().Equal(s.mod) && info.Size() == s.size:
			continue
		}
		data, err := os.ReadFile(s.Name)
		if err != nil || !bytes.Equal(data, s.Data) {
			return true
		}
	}
	return false
}
