package syslog

import (
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/levels"
)

// Handler returns the handler of the local syslog ingest
// (ServerOptions.Handle) that logs into tree: a packet is logged on the logger
// syslog.<app> at the level of its severity, with host, pid and msgid as
// attrs, and app and pid as its source (levels.Logger.LogAttrsFrom: a
// format's %(filename)s:%(lineno)d shows dnsmasq:812, not this file's
// line); a malformed one is kept as a raw line on the logger "syslog", at
// WARNING. A packet the Server cut ends with "…[truncated from N bytes]",
// N its size as sent. App names are untrusted: they create loggers only
// up to levels.MaxNamedByRecords. Safe for concurrent use.
func Handler(tree *levels.Tree) func(*Message, []byte, error) {
	raw := tree.Get("syslog")
	var apps sync.Map // app name (a copy) → *sender: a packet costs no name building
	var napps atomic.Int32
	from := func(app string) *sender {
		if v, ok := apps.Load(app); ok {
			return v.(*sender)
		}
		app = strings.Clone(app) // a view of the packet
		snd := &sender{l: tree.GetBounded("syslog." + strings.ReplaceAll(app, ".", "_")), app: app}
		if napps.Load() < levels.MaxNamedByRecords {
			if _, loaded := apps.LoadOrStore(app, snd); !loaded {
				napps.Add(1)
			}
		}
		return snd
	}
	return func(m *Message, b []byte, err error) {
		if err != nil {
			raw.LogAttrsAt(nil, m.Received, levels.WARNING, marked(string(b), m.Size, len(b)), slog.String("err", err.Error()))
			return
		}
		app := m.AppName
		if app == "" {
			app = "unknown"
		}
		snd := from(app)
		l, lv := snd.l, Level(m.Severity)
		if !l.Enabled(nil, lv) {
			return
		}
		var attrs [3]slog.Attr
		a := attrs[:0]
		if m.Hostname != "" {
			a = append(a, slog.String("host", m.Hostname))
		}
		if m.ProcID != "" {
			a = append(a, slog.String("pid", m.ProcID))
		}
		if m.MsgID != "" {
			a = append(a, slog.String("msgid", m.MsgID))
		}
		pid, _ := strconv.Atoi(m.ProcID) // 0 when there is none
		l.LogAttrsFrom(nil, m.Received, lv, snd.app, pid, marked(m.Msg, m.Size, len(b)), a...)
	}
}

// sender is the logger of one app name, and the name, which formats show
// as the source of its lines (%(filename)s:%(lineno)d is app:pid).
type sender struct {
	l   *levels.Logger
	app string
}

// marked returns s, the text of a packet of size bytes of which the
// Server kept kept, with a marker that says the packet's size when it
// was cut.
func marked(s string, size, kept int) string {
	if size <= kept {
		return s
	}
	return s + "…[truncated from " + strconv.Itoa(size) + " bytes]"
}

// LossLogger returns the loss handler of the local syslog ingest
// (ServerOptions.Lost) that says in tree's logs, on the logger "syslog"
// at WARNING, "N syslog messages lost (the receive buffer overflowed)".
// Safe for concurrent use.
func LossLogger(tree *levels.Tree) func(n uint64, at time.Time) {
	l := tree.Get("syslog")
	return func(n uint64, at time.Time) {
		what := " syslog messages lost"
		if n == 1 {
			what = " syslog message lost"
		}
		l.LogAttrsAt(nil, at, levels.WARNING, strconv.FormatUint(n, 10)+what+" (the receive buffer overflowed)")
	}
}
