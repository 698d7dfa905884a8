package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
)

// timeFlag checks a -since/-until value as the source will parse it, so
// that a typo is a usage error before anything is asked.
func timeFlag(name, v string) error {
	if v == "" {
		return nil
	}
	if _, err := httplog.ParseTime(v, time.Now()); err != nil {
		return fmt.Errorf("%w: -%s: %v", errUsage, name, err)
	}
	return nil
}

// events prints the events a filter selects, in the -format asked: text
// (one line per event), json (gwlogd's JSON lines) or csv (a header,
// then a row per event; the events are held in memory to learn the
// attribute columns). Records the source had to skip are reported after
// the output, and make the command fail.
func events(ctx context.Context, t *target, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	typ := fs.String("type", "", "type prefix")
	source := fs.String("source", "", "source, exact or a glob with *")
	since := fs.String("since", "", "from this time on")
	until := fs.String("until", "", "before this time")
	token := fs.String("token", "", "correlation token")
	limit := fs.Int("limit", 0, "at most N events; 0 means all")
	reverse := fs.Bool("reverse", false, "newest first")
	format := fs.String("format", "text", "text, json or csv")
	var where []string
	fs.Func("where", "KEY OP VALUE, repeatable", func(s string) error {
		if _, err := eventlog.ParseCond(s); err != nil {
			return fmt.Errorf("want KEY OP VALUE with OP one of = != < <= > >= ~ (temp>=20, zone=3), got %q", s)
		}
		where = append(where, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: events takes flags only, got %q", errUsage, fs.Arg(0))
	}
	var out eventWriter
	bw := bufio.NewWriter(stdout)
	switch *format {
	case "text":
		out = &textWriter{w: bw}
	case "json":
		out = &jsonWriter{w: bw}
	case "csv":
		out = &csvWriter{w: bw}
	default:
		return fmt.Errorf("%w: -format: want text, json or csv, got %q", errUsage, *format)
	}
	if *limit < 0 {
		return fmt.Errorf("%w: -limit %d is negative", errUsage, *limit)
	}
	if err := errors.Join(timeFlag("since", *since), timeFlag("until", *until)); err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"type": *typ, "source": *source, "since": *since, "until": *until, "token": *token} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *limit > 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	if *reverse {
		q.Set("reverse", "1")
	}
	if len(where) > 0 {
		q["where"] = where
	}
	src, err := t.open()
	if err != nil {
		return err
	}
	defer src.close()
	err = src.events(ctx, q, out.write)
	return errors.Join(err, out.flush(), bw.Flush())
}

// An eventWriter prints events in one format; write is called once per
// event, oldest first (or as the query ordered them), then flush once.
// The event is valid only during the call.
type eventWriter interface {
	write(*eventlog.Event) error
	flush() error
}

// textWriter prints one line per event:
//
//	2026-11-21T10:00:00.123Z seq=42 webbrick/CT wb/100/CT/1 val=21.5 unit=C
//
// then token=X when the event has one, before the attrs. Words that
// would break the line apart are quoted as Go strings.
type textWriter struct {
	w   io.Writer
	buf []byte
}

func (t *textWriter) write(ev *eventlog.Event) error {
	b := time.Unix(0, ev.Time).UTC().AppendFormat(t.buf[:0], "2006-01-02T15:04:05.000Z07:00")
	b = append(b, " seq="...)
	b = strconv.AppendUint(b, ev.Seq, 10)
	b = append(b, ' ')
	b = appendWord(b, ev.Type, "-")
	b = append(b, ' ')
	b = appendWord(b, ev.Source, "-")
	if ev.Token != "" {
		b = append(b, " token="...)
		b = appendWord(b, ev.Token, `""`)
	}
	for _, a := range ev.Attrs {
		b = append(b, ' ')
		b = appendWord(b, a.Key, `""`)
		b = append(b, '=')
		b = appendWord(b, a.Value.String(), `""`)
	}
	t.buf = append(b, '\n')
	_, err := t.w.Write(t.buf)
	return err
}

func (t *textWriter) flush() error { return nil }

// appendWord appends s, quoted when it is empty (then it is empty instead),
// has spaces, quotes, = or control characters, or is not UTF-8.
func appendWord(dst []byte, s, empty string) []byte {
	if s == "" {
		return append(dst, empty...)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == '"' || r == '=' || r == 0x7f || r == 0x85 || r == 0xa0 || r == '\u2028' || r == '\u2029'
	}) {
		return strconv.AppendQuote(dst, s)
	}
	return append(dst, s...)
}

// jsonWriter prints gwlogd's JSON lines (httplog.AppendEventJSON).
type jsonWriter struct {
	w   io.Writer
	buf []byte
}

func (j *jsonWriter) write(ev *eventlog.Event) error {
	j.buf = append(httplog.AppendEventJSON(j.buf[:0], *ev), '\n')
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonWriter) flush() error { return nil }

// csvWriter holds the events until flush, which writes the header
// seq,time,type,source,token and the attribute keys in order of first
// appearance, then a row per event; an attribute an event lacks is an
// empty field.
type csvWriter struct {
	w      io.Writer
	rows   [][]string // seq, time, type, source, token, then key=value pairs
	keys   []string
	column map[string]int
}

func (c *csvWriter) write(ev *eventlog.Event) error {
	if c.column == nil {
		c.column = make(map[string]int)
	}
	row := []string{strconv.FormatUint(ev.Seq, 10), time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano), ev.Type, ev.Source, ev.Token}
	for _, a := range ev.Attrs {
		if _, ok := c.column[a.Key]; !ok {
			c.column[a.Key] = len(c.keys)
			c.keys = append(c.keys, a.Key)
		}
		row = append(row, a.Key, a.Value.String())
	}
	c.rows = append(c.rows, row)
	return nil
}

func (c *csvWriter) flush() error {
	w := csv.NewWriter(c.w)
	const fixed = 5
	header := append([]string{"seq", "time", "type", "source", "token"}, c.keys...)
	if err := w.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, row := range c.rows {
		copy(rec, row[:fixed])
		clear(rec[fixed:])
		set := make([]bool, len(c.keys))
		for i := fixed; i+1 < len(row); i += 2 {
			if col := c.column[row[i]]; !set[col] { // the first of repeated keys
				rec[fixed+col], set[col] = row[i+1], true
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
