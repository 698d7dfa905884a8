package cfg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse parses arbitrary bytes as one source, or two when b is not
// empty: Parse never panics; a failure is an Errors of one-line *Errors
// that each name a line of a source and wrap a sentinel; and a success
// prints, through WriteTo, text that parses back to the same settings.
func FuzzParse(f *testing.F) {
	for _, name := range profileNames {
		f.Add(must(profileFS.ReadFile("profiles/"+name+".cfg")), []byte(nil))
	}
	for _, name := range []string{"log.cfg", "prod.cfg"} {
		data, err := os.ReadFile(filepath.Join("..", "etc", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil))
	}
	f.Add(busy[0].Data, busy[1].Data)
	f.Add([]byte("[runtime]\nprofile = disk\nram_cap = 1.5MiB"), []byte("[runtime]\nprofile =\n[logger.root]\nstreams = none ; x\n"))
	f.Add([]byte("[stream.x]\nformat = %(message)s #c\n[logger.a..b]\nlevel = debug for 1d\nstreams = x"), []byte("[forward.f]\ntype=webhook\nto=https://h/p?q=1;2\nstreams=x,error"))
	f.Add([]byte("[stream.debug]\ndedup = 30s\n[stream.x]\ndedup = OFF"), []byte("[stream.x]\ndedup = 1h\n[stream.debug]\ndedup = 0"))
	f.Add([]byte("[runtime]\nname = gw-7\n[forward.fleet]\ntype = loki\nto = https://h/loki/api/v1/push\nstreams = error\nlabels = logger, level\nbudget = 20MB/day\nbudget_level = warning\ntoken = abc.def\nca = /etc/ca.pem"),
		[]byte("[forward.tsdb]\ntype = influx\nto = http://127.0.0.1:8428\nevents = webbrick/CT, webbrick/DI\nbudget = 1MiB/6h\n[forward.otel]\ntype = otlp\nto = http://h:4318\nstreams = debug\nlabels = none"))

	f.Fuzz(func(t *testing.T, a, b []byte) {
		sources := []Source{{Name: "a.cfg", Data: a}}
		if len(b) > 0 {
			sources = append(sources, Source{Name: "b.cfg", Data: b})
		}
		c, err := Parse(sources...)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
			}
			for _, e := range es {
				if e.Line < 1 || (e.File != "a.cfg" && e.File != "b.cfg") || e.Err == nil || e.Err == errInternal {
					t.Fatalf("bad error %#v", e)
				}
				if strings.Contains(e.Error(), "\n") {
					t.Fatalf("error of more than one line: %q", e.Error())
				}
			}
			return
		}
		var out bytes.Buffer
		if _, err := c.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(Source{Name: "effective.cfg", Data: out.Bytes()})
		if err != nil {
			t.Fatalf("WriteTo's output does not parse: %v\n%s", err, out.String())
		}
		c.Runtime.HTTPToken = "" // a secret reads back as none
		for i := range c.Forwards {
			c.Forwards[i].Token = ""
		}
		if got, want := values(back), values(c); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the config\nwant %+v\ngot  %+v\ntext:\n%s", want, got, out.String())
		}
	})
}

// FuzzDayBudget: ParseDayBudget never panics, takes only "none", "0" or
// a positive size with "/day", and what FormatDayBudget prints of a
// value it took parses back to that value.
func FuzzDayBudget(f *testing.F) {
	for _, s := range []string{"none", "0", "50MiB/day", "1GiB/DAY", "1.5MiB/day", "/day", "0/day", "-1KiB/day", "20MiB", "day", "9999999999GiB/day", " 1KiB /day"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, err := ParseDayBudget(v)
		if err != nil {
			if n != 0 {
				t.Fatalf("%q: %d with an error", v, n)
			}
			return
		}
		if n < 0 || n > 0 && !strings.HasSuffix(strings.ToLower(v), "/day") {
			t.Fatalf("%q: took %d", v, n)
		}
		back, err := ParseDayBudget(FormatDayBudget(n))
		if err != nil || back != n {
			t.Fatalf("%q: %d printed as %q reads back as %d, %v", v, n, FormatDayBudget(n), back, err)
		}
	})
}
