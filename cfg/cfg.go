package cfg

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gwlog/gwlog/levels"
)

// Source is one configuration file: its name, as errors and Origins show
// it, and its content.
type Source struct {
	Name string // such as "/etc/gwlog/log.cfg"; "" is shown as "sourceN"
	Data []byte
}

// Load reads the files at paths in order and parses them with Parse, later
// files overriding earlier ones. A path ending in "?" is optional: when it
// does not exist it is skipped (the "?" is not part of the name). Any
// other file that cannot be read is an error such as "cfg: open log.cfg:
// no such file or directory", which matches fs.ErrNotExist; a file that
// is not a regular file, such as a FIFO, is refused unread with
// ErrNotRegular. Problems in the files are an Errors. With no paths, Load
// returns the minimal profile.
func Load(paths ...string) (*Config, error) {
	files, err := ReadFiles(paths)
	if err != nil {
		return nil, err
	}
	return files.Parse("")
}

// Parse merges sources, in order, over the embedded profile that the last
// "[runtime] profile" among them names (minimal when none does), then
// validates and decodes the result. Later sources override earlier ones
// key by key; an empty value ("key =") resets a key to the profile's value,
// or to its default when the profile does not set it. Sections that the
// profile lacks are added in order of first appearance.
//
// Every problem in every source is reported: the error is then an Errors,
// sorted by source and line, and the Config is nil.
func Parse(sources ...Source) (*Config, error) {
	var files []*file
	var errs Errors
	for i, s := range sources {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("source%d", i+1)
		}
		f, fe := parseFile(name, i, s.Data)
		files = append(files, f)
		errs = append(errs, fe...)
	}
	c, be := build(chooseProfile(files), files)
	errs = append(errs, be...)
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int {
			return cmp.Or(cmp.Compare(a.src, b.src), cmp.Compare(a.Line, b.Line))
		})
		return nil, errs
	}
	return c, nil
}

// Default returns the embedded profile: "minimal" (also for "") or "disk".
func Default(profile string) (*Config, error) {
	if profile == "" {
		profile = "minimal"
	}
	if !isProfile(profile) {
		return nil, fmt.Errorf("%w: profile %q: want %s", ErrValue, profile, orList(profileNames))
	}
	c, errs := build(profile, nil)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// chooseProfile returns the profile named by the last [runtime] profile
// among files; an empty value resets it to minimal.
func chooseProfile(files []*file) string {
	p := "minimal"
	for _, f := range files {
		if s := f.byID[kindRuntime]; s != nil {
			for _, e := range s.entries {
				if e.key == "profile" {
					p = cmp.Or(strings.ToLower(e.value), "minimal")
				}
			}
		}
	}
	return p
}

// setting is the effective value of one key and where it was read.
type setting struct {
	value  string
	origin Origin
	src    int // source index; -1 for the profile
}

// section is one merged section.
type section struct {
	id, kind, name string
	keys           map[string]setting
	invalid        map[string]bool // keys set to a rejected value somewhere
	origin         Origin          // the first header in a file; zero for the profile
	src            int
}

// merged is the sections of the profile and the files, in order.
type merged struct {
	order []*section
	byID  map[string]*section
}

// get returns the section of fsec, adding it when it is new.
func (m *merged) get(fsec *fileSection, origin Origin, src int) *section {
	if s := m.byID[fsec.id]; s != nil {
		return s
	}
	s := &section{id: fsec.id, kind: fsec.kind, name: fsec.name, keys: map[string]setting{}, invalid: map[string]bool{}, origin: origin, src: src}
	m.byID[fsec.id] = s
	m.order = append(m.order, s)
	return s
}

// build merges files over the named profile and decodes the result.
func build(profile string, files []*file) (*Config, Errors) {
	pf, err := loadProfile(profile)
	if err != nil {
		return nil, Errors{{Msg: err.Error(), Err: errInternal, src: -1}}
	}
	m := &merged{byID: map[string]*section{}}
	for _, ps := range pf.sections {
		s := m.get(ps, Origin{}, -1)
		for _, e := range ps.entries {
			s.keys[e.key] = setting{value: e.value, src: -1}
		}
	}
	c := &Config{Origins: map[string]Origin{}}
	for _, f := range files {
		c.Files = append(c.Files, f.name)
		for _, fsec := range f.sections {
			s := m.get(fsec, Origin{File: f.name, Line: fsec.line}, f.src)
			for _, k := range fsec.invalid {
				s.invalid[k] = true
			}
			for _, e := range fsec.entries {
				if e.value != "" {
					s.keys[e.key] = setting{value: e.value, origin: Origin{File: f.name, Line: e.line}, src: f.src}
				} else if v, ok := pf.value(s.id, e.key); ok {
					s.keys[e.key] = setting{value: v, src: -1} // reset to the profile's value
				} else {
					delete(s.keys, e.key) // reset to the default
				}
			}
		}
	}
	errs := decode(c, m)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// decode fills c from m and cross-checks the streams that loggers and
// forwards name, and the keys a forward requires.
func decode(c *Config, m *merged) Errors {
	var errs Errors
	fail := func(s *section, key string, sentinel error, msg string) {
		if s.invalid[key] {
			return // already reported where the value was rejected
		}
		e := &Error{File: s.origin.File, Line: s.origin.Line, Section: s.id, Key: key, Msg: msg, Err: sentinel, src: s.src}
		if st, ok := s.keys[key]; ok {
			e.File, e.Line, e.src = st.origin.File, st.origin.Line, st.src
		}
		errs = append(errs, e)
	}
	internal := func(s *section, err error) {
		fail(s, "", errInternal, err.Error())
	}
	for _, s := range m.order {
		for k, st := range s.keys {
			c.Origins[s.id+"/"+k] = st.origin
		}
	}

	var names []string
	for _, s := range m.order {
		if s.kind == kindStream {
			st := newStream(s.name)
			if err := streamKeys.apply(&st, s); err != nil {
				internal(s, err)
			}
			c.Streams = append(c.Streams, st)
			names = append(names, st.Name)
		}
	}
	refs := func(s *section, streams []string) {
		for _, n := range streams {
			if !slices.Contains(names, n) {
				fail(s, "streams", ErrReference, fmt.Sprintf("want declared streams (%s), got %q", strings.Join(names, ", "), n))
			}
		}
	}
	for _, s := range m.order {
		switch s.kind {
		case kindRuntime:
			if err := runtimeKeys.apply(&c.Runtime, s); err != nil {
				internal(s, err)
			}
		case kindLogger:
			l := newLogger(s.name)
			if err := loggerKeys.apply(&l, s); err != nil {
				internal(s, err)
			}
			refs(s, l.Streams)
			c.Loggers = append(c.Loggers, l)
		case kindForward:
			f := newForward(s.name)
			if err := forwardKeys.apply(&f, s); err != nil {
				internal(s, err)
			}
			if _, ok := s.keys["level"]; !ok && f.Type == "webhook" {
				f.Level = levels.WARNING
			}
			if _, ok := s.keys["replay_rate"]; !ok && httpType(f.Type) && f.Type != "webhook" {
				f.ReplayRate = defaultShipRate
			}
			if _, ok := s.keys["to"]; !ok {
				fail(s, "to", ErrMissing, "missing; want "+syslogWant+" (type syslog) or "+webhookWant+" (type webhook)")
			} else if to := toType(f.To); (to == "http") != httpType(f.Type) && !s.invalid["type"] {
				fail(s, "to", ErrValue, errToType(f.Type, f.To).Error())
			}
			if f.Events != nil && f.Type != "influx" && !s.invalid["type"] {
				fail(s, "events", ErrValue, "events are shipped by type influx only, this is type "+f.Type)
			}
			if f.Budget > 0 && (!httpType(f.Type) || f.Type == "webhook") && !s.invalid["type"] {
				fail(s, "budget", ErrValue, "a budget is kept by types loki, otlp and influx, this is type "+f.Type)
			}
			st, hasStreams := s.keys["streams"]
			if f.Type == "influx" {
				if len(f.Streams) > 0 {
					fail(s, "streams", ErrValue, "type influx ships events (events = …), not streams")
				}
			} else if hasStreams && len(f.Streams) == 0 && !s.invalid["streams"] {
				fail(s, "streams", ErrValue, want("one or more "+streamsWant, st.value).Error())
			} else if !hasStreams {
				fail(s, "streams", ErrMissing, "missing; want one or more "+streamsWant)
			}
			refs(s, f.Streams)
			c.Forwards = append(c.Forwards, f)
		}
	}
	// The root logger comes first, whatever the order of the sections.
	slices.SortStableFunc(c.Loggers, func(a, b Logger) int {
		return boolInt(b.Name == "root") - boolInt(a.Name == "root")
	})
	return errs
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
