package forward

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/eventlog"
)

// followEvents ships the events after the last Seq seen, polling the
// event log every BatchWait, until ctx ends. Over the budget nothing is
// sent: the events wait in the ring (and the archive) for the next
// period.
func (s *Shipper) followEvents(ctx context.Context) {
	next := time.Now()
	var body []byte
	var z bytes.Buffer
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.o.BatchWait):
		}
		if over, _ := s.overBudget(); over {
			s.heldEvents.Store(s.o.Events.Stats().LastSeq - s.seq.Load())
			continue
		}
		s.heldEvents.Store(0)
		for {
			body = body[:0]
			cursor := s.seq.Load()
			last, events := cursor, 0
			for ev, err := range s.o.Events.Query(eventlog.Filter{After: cursor}) {
				if err != nil {
					continue // a segment lost: the gap below counts it
				}
				if ev.Seq > last+1 {
					n := ev.Seq - last - 1
					s.lost.Add(n)
					body = s.appendLost(body, n, ev.Time)
				}
				last = ev.Seq
				if !s.wanted(ev.Type) {
					s.skipped.Add(1)
				} else {
					body = s.appendInflux(body, &ev)
					events++
				}
				if len(body) >= s.o.BatchBytes || events >= s.o.ReplayRate {
					break
				}
			}
			if last == cursor {
				break
			}
			if len(body) > 0 {
				if !pace(ctx, &next, events, s.o.ReplayRate) {
					return
				}
				s.gzipInto(&z, body)
				err := s.post(ctx, "text/plain; charset=utf-8", z.Bytes(), events)
				if ctx.Err() != nil {
					return
				}
				if err == nil {
					s.sent.Add(uint64(events))
				}
			}
			s.seq.Store(last)
			if over, _ := s.overBudget(); over {
				break
			}
		}
	}
}

// appendLost appends the in-band point that says n events were lost:
// gwlog_lost,gateway=G events=Ni TIME.
func (s *Shipper) appendLost(dst []byte, n uint64, t int64) []byte {
	dst = append(dst, "gwlog_lost,gateway="...)
	dst = appendInfluxKey(dst, s.o.Gateway)
	dst = append(dst, " events="...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, "i "...)
	dst = strconv.AppendInt(dst, t, 10)
	return append(dst, '\n')
}

// Measurement returns the measurement of an event type: the WebBrick
// namespace left out, and each character that is not a letter, digit or
// underscore replaced by one ("webbrick/CT" is "webbrick_CT").
func Measurement(typ string) string {
	for _, p := range eventlog.DefaultStrip {
		typ = strings.TrimPrefix(typ, p)
	}
	b := []byte(typ)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "event"
	}
	return string(b)
}

// appendInflux appends ev as one line of the InfluxDB line protocol:
//
//	webbrick_CT,source=wb/100/CT/1,gateway=gw1 temp=21.5,ok=true,mode="auto" 1733450000123000000
//
// Ints end in i, strings are quoted with " and \ escaped; a float that is
// not finite is left out (the protocol has no word for it), and an event
// without fields gets count=1i, since a point must have one.
func (s *Shipper) appendInflux(dst []byte, ev *eventlog.Event) []byte {
	dst = appendInfluxKey(dst, Measurement(ev.Type))
	if ev.Source != "" {
		dst = append(dst, ",source="...)
		dst = appendInfluxKey(dst, ev.Source)
	}
	dst = append(dst, ",gateway="...)
	dst = appendInfluxKey(dst, s.o.Gateway)
	sep := byte(' ')
	for _, a := range ev.Attrs {
		start := len(dst)
		dst = append(dst, sep)
		dst = appendInfluxKey(dst, a.Key)
		dst = append(dst, '=')
		switch v := a.Value; v.Kind() {
		case eventlog.KindInt:
			dst = append(strconv.AppendInt(dst, v.AsInt(), 10), 'i')
		case eventlog.KindFloat:
			f := v.AsFloat()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				dst = dst[:start]
				continue
			}
			dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
		case eventlog.KindBool:
			dst = strconv.AppendBool(dst, v.AsBool())
		case eventlog.KindString:
			dst = appendInfluxString(dst, v.AsString())
		default:
			dst = dst[:start]
			continue
		}
		sep = ','
	}
	if sep == ' ' {
		dst = append(dst, " count=1i"...)
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, ev.Time, 10)
	return append(dst, '\n')
}

// appendInfluxKey appends a measurement, tag key, tag value or field key
// with commas, equal signs and spaces escaped; a newline, which no
// escape allows, becomes a space (escaped).
func appendInfluxKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',', '=', ' ', '\\':
			dst = append(dst, '\\', c)
		case '\n', '\r':
			dst = append(dst, '\\', ' ')
		default:
			dst = append(dst, c)
		}
	}
	if len(s) == 0 {
		dst = append(dst, '_')
	}
	return dst
}

// appendInfluxString appends a string field value: quoted, with " and \
// escaped, and line breaks written as \n, which a line-based parser
// could not take raw.
func appendInfluxString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
