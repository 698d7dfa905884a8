package eventlog

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects events. The zero Filter selects every event, oldest
// first.
type Filter struct {
	// TypePrefix keeps events whose Type starts with it.
	TypePrefix string
	// Source keeps events of that source: exact, or a glob where *
	// matches any run of characters, slashes included ("wb/100/*").
	Source string
	// Since and Until keep events with Since <= Time < Until; zero means
	// unbounded.
	Since, Until time.Time
	// Token keeps the events of one request, in order.
	Token string
	// Where keeps events whose attributes satisfy every condition.
	Where []Cond
	// After keeps events whose Seq is greater: a reader that has seen up
	// to Seq N asks for what came since. Zero keeps every Seq.
	After uint64
	// Limit stops after that many events; zero means no limit.
	Limit int
	// Reverse returns the newest first.
	Reverse bool
}

// Op is a comparison of a Cond.
type Op string

// The comparisons. Numbers compare as numbers, strings as strings, bools
// only for equality; ~ is a substring match on the value's text.
const (
	Eq       Op = "="
	Ne       Op = "!="
	Lt       Op = "<"
	Le       Op = "<="
	Gt       Op = ">"
	Ge       Op = ">="
	Contains Op = "~"
)

// Cond is one attribute condition: Key Op Value. An event without the
// attribute fails every condition but !=.
type Cond struct {
	Key   string
	Op    Op
	Value Value
}

// ParseCond parses "key OP value" with OP one of = != < <= > >= ~:
// "temp>=20", "mode~auto", "zone=3". The value is an int, a float, true or
// false, or else a string.
func ParseCond(s string) (Cond, error) {
	i := strings.IndexAny(s, "=!<>~")
	if i <= 0 {
		return Cond{}, fmt.Errorf("%w: where %q: want KEY OP VALUE with OP one of = != < <= > >= ~", ErrQuery, s)
	}
	key, rest := strings.TrimSpace(s[:i]), s[i:]
	var op Op
	for _, o := range []Op{Ne, Le, Ge, Eq, Lt, Gt, Contains} {
		if strings.HasPrefix(rest, string(o)) {
			op = o
			break
		}
	}
	if op == "" || key == "" {
		return Cond{}, fmt.Errorf("%w: where %q: want KEY OP VALUE with OP one of = != < <= > >= ~", ErrQuery, s)
	}
	return Cond{Key: key, Op: op, Value: parseValue(strings.TrimSpace(rest[len(op):]))}, nil
}

func parseValue(s string) Value {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Int(n)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		return Float(f)
	}
	if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
		return Bool(b)
	}
	return String(s)
}

// query is a compiled Filter.
type query struct {
	typePrefix  string
	source      string
	glob        bool
	exactSource bool
	sourceBit   uint64
	token       string
	since       int64
	until       int64
	lastSeq     uint64 // the snapshot: events written later are not seen
	after       uint64 // events up to this Seq are not wanted
	where       []Cond
	all         bool // nothing to check but the snapshot
}

// nanos is t.UnixNano, saturated at the ends of int64 where UnixNano
// would wrap around (before 1678, after 2262).
func nanos(t time.Time) int64 {
	switch s := t.Unix(); {
	case s < math.MinInt64/int64(time.Second):
		return math.MinInt64
	case s >= math.MaxInt64/int64(time.Second):
		if t.After(time.Unix(0, math.MaxInt64)) {
			return math.MaxInt64
		}
	}
	return t.UnixNano()
}

func compile(f *Filter) (*query, error) {
	q := &query{typePrefix: f.TypePrefix, source: f.Source, token: f.Token, since: math.MinInt64, until: math.MaxInt64,
		where: f.Where, after: f.After}
	if !f.Since.IsZero() {
		q.since = nanos(f.Since)
	}
	if !f.Until.IsZero() {
		q.until = nanos(f.Until)
	}
	if q.since >= q.until {
		return nil, fmt.Errorf("%w: since %s is not before until %s", ErrQuery, f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d is negative", ErrQuery, f.Limit)
	}
	if f.Source != "" {
		if strings.Contains(f.Source, "*") {
			q.glob = true
		} else {
			q.exactSource, q.sourceBit = true, sourceBit(f.Source)
		}
	}
	for _, c := range f.Where {
		if c.Key == "" || !slices.Contains([]Op{Eq, Ne, Lt, Le, Gt, Ge, Contains}, c.Op) {
			return nil, fmt.Errorf("%w: where: bad condition %q %q", ErrQuery, c.Key, c.Op)
		}
	}
	q.all = q.typePrefix == "" && q.source == "" && q.token == "" && len(q.where) == 0 && q.after == 0 &&
		q.since == math.MinInt64 && q.until == math.MaxInt64
	return q, nil
}

// match reports whether an event's header passes q; the attribute
// conditions are checked too.
func (q *query) match(h *header) (bool, error) {
	if h.seq > q.lastSeq || h.seq <= q.after || h.time < q.since || h.time >= q.until {
		return false, nil
	}
	if q.typePrefix != "" && !bytes.HasPrefix(h.typ, []byte(q.typePrefix)) {
		return false, nil
	}
	if q.token != "" && string(h.token) != q.token {
		return false, nil
	}
	if q.source != "" {
		if q.glob {
			if !glob(q.source, h.source) {
				return false, nil
			}
		} else if string(h.source) != q.source {
			return false, nil
		}
	}
	for i := range q.where {
		v, found, err := attr(h.attrs, q.where[i].Key)
		if err != nil {
			return false, err
		}
		if !q.where[i].holds(v, found) {
			return false, nil
		}
	}
	return true, nil
}

// glob matches s against pattern, where * stands for any run of bytes,
// slashes included ("wb/100/*" matches "wb/100/CT/1").
func glob(pattern string, s []byte) bool {
	first, rest, star := strings.Cut(pattern, "*")
	if !star {
		return string(s) == pattern
	}
	if !bytes.HasPrefix(s, []byte(first)) {
		return false
	}
	s = s[len(first):]
	for {
		lit, more, star := strings.Cut(rest, "*")
		if !star {
			return bytes.HasSuffix(s, []byte(lit)) && len(s) >= len(lit)
		}
		i := bytes.Index(s, []byte(lit))
		if i < 0 {
			return false
		}
		s, rest = s[i+len(lit):], more
	}
}

// holds reports whether the condition holds for v.
func (c *Cond) holds(v Value, found bool) bool {
	if !found {
		return c.Op == Ne
	}
	if c.Op == Contains {
		var a, b [32]byte
		return bytes.Contains(v.Append(a[:0]), c.Value.Append(b[:0]))
	}
	cmp, ok := compare(v, c.Value)
	if !ok {
		return c.Op == Ne
	}
	switch c.Op {
	case Eq:
		return cmp == 0
	case Ne:
		return cmp != 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	case Gt:
		return cmp > 0
	}
	return cmp >= 0 // Ge
}

// compare orders two values of comparable kinds.
func compare(a, b Value) (int, bool) {
	if x, ok := a.Number(); ok {
		if y, ok := b.Number(); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
		return 0, false
	}
	if a.kind != b.kind {
		return 0, false
	}
	switch a.kind {
	case KindString:
		return strings.Compare(a.str, b.str), true
	case KindBool:
		if a.num == b.num {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}
