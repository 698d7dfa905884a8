package syslog

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
)

// TestServerCutsLongPackets sends packets longer than the server keeps,
// over UDP and the unix socket: each keeps its header, so that an error
// stays an error, and its message is cut where the kept bytes end, at a
// whole UTF-8 character, with its size as sent; one whose header is
// malformed or cut short says that size in its error. Each is counted as
// truncated.
func TestServerCutsLongPackets(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	var r recorder
	s, err := Listen(ServerOptions{UDP: "127.0.0.1:0", Unix: sock, Handle: r.handle})
	require.NoError(t, err)
	defer s.Close()
	udp, err := net.Dial("udp", s.UDPAddr().String())
	require.NoError(t, err)
	defer udp.Close()
	unix, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer unix.Close()

	bsd := "<10>Nov 21 10:00:00 gw2 pump[9]: " // 33 bytes: MaxMessage cuts an é in two
	tests := []struct {
		name   string
		conn   net.Conn
		packet string
		want   Message // Msg: its length in x
		err    string  // the error's text, "" for none
	}{
		{"5424 err over udp", udp, "<11>1 - gw1 bigapp 7 - - " /* 25 bytes */ + strings.Repeat("x", 20000),
			Message{Format: RFC5424, Facility: 1, Severity: 3, Hostname: "gw1", AppName: "bigapp", ProcID: "7",
				Msg: strings.Repeat("x", MaxMessage-25), Size: 20025}, ""},
		{"3164 crit over the socket", unix, bsd + strings.Repeat("é", 10000),
			Message{Format: RFC3164, Facility: 1, Severity: 2, Hostname: "gw2", AppName: "pump", ProcID: "9",
				Msg: strings.Repeat("é", (MaxMessage-len(bsd))/2), Size: 20033}, ""},
		{"malformed over udp", udp, "<999>" + strings.Repeat("z", 20000), Message{Size: 20005},
			"syslog: message too long: 20005 bytes, kept 16384: syslog: malformed message at byte 1: PRI is not a number from 0 to 191"},
		{"header cut short", unix, `<13>1 - h a - - [x@1 k="` + strings.Repeat("v", 20000) + `"] msg`, Message{Size: 20030},
			"syslog: message too long: 20030 bytes, kept 16384: syslog: malformed message at byte 16384: unterminated SD-ELEMENT"},
		{"exactly MaxMessage", udp, "<14>1 - h a - - - " + strings.Repeat("y", MaxMessage-len("<14>1 - h a - - - ")),
			Message{Format: RFC5424, Facility: 1, Severity: 6, Hostname: "h", AppName: "a",
				Msg: strings.Repeat("y", MaxMessage-len("<14>1 - h a - - - ")), Size: MaxMessage}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.conn.Write([]byte(tt.packet))
			require.NoError(t, err)
			require.Eventually(t, func() bool { return r.len() == i+1 }, 5*time.Second, 5*time.Millisecond)
			got := r.at(i)
			got.m.Received = time.Time{}
			if tt.want.Format == RFC3164 && tt.err == "" {
				assert.Equal(t, "11-21 10:00:00", got.m.Time.Format("01-02 15:04:05"))
				got.m.Time = time.Time{}
			}
			assert.Equal(t, tt.want, got.m)
			assert.Len(t, got.raw, min(len(tt.packet), MaxMessage))
			assert.True(t, strings.HasPrefix(tt.packet, got.raw))
			assert.True(t, utf8.ValidString(got.m.Msg))
			if tt.err == "" {
				assert.NoError(t, got.err)
				return
			}
			assert.EqualError(t, got.err, tt.err)
			assert.ErrorIs(t, got.err, ErrTooLong)
			assert.ErrorIs(t, got.err, ErrMalformed)
		})
	}
	assert.Equal(t, Stats{Received: 5, Malformed: 2, Truncated: 4}, s.Stats())
}

// TestServerBurstOfLongPackets sends a burst of packets of MaxMessage
// bytes, more of which than a batch holds come in one read: the reader
// wakes the handler rather than wait for it forever.
func TestServerBurstOfLongPackets(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	var r recorder
	s, err := Listen(ServerOptions{Unix: sock, Handle: r.handle})
	require.NoError(t, err)
	c, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer c.Close()
	p := []byte("<14>1 - h app - - - " + strings.Repeat("x", MaxMessage-len("<14>1 - h app - - - ")))
	const n = 64
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(5*time.Second))) // a stuck reader fills the socket
	for range n {
		_, err := c.Write(p)
		require.NoError(t, err)
	}
	// No deferred Close: it would wait for a reader stuck forever.
	require.Eventually(t, func() bool { return r.len() == n }, 5*time.Second, 5*time.Millisecond, "%d of %d packets handled", r.len(), n)
	require.NoError(t, s.Close())
	assert.Equal(t, Stats{Received: n}, s.Stats())
}

// lineSink keeps the lines a tree writes.
type lineSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *lineSink) WriteLine(_ int64, line []byte) {
	s.mu.Lock()
	s.lines = append(s.lines, string(line))
	s.mu.Unlock()
}

func (s *lineSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// sinkTree returns a tree whose every record, DEBUG and up, goes to a
// lineSink as "LEVEL logger message attrs".
func sinkTree(t *testing.T) (*levels.Tree, *lineSink) {
	f, err := levels.NewFormatter(levels.FormatterOptions{Pattern: "%(levelname)s %(name)s %(message)s %(attrs)s", MaxLine: 1 << 20})
	require.NoError(t, err)
	tree := levels.NewTree(levels.Options{RootLevel: levels.DEBUG})
	sink := &lineSink{}
	tree.SetTargets("root", []levels.Target{{Name: "all", Format: f, Sink: sink}})
	return tree, sink
}

// TestHandlerMarksCutPackets logs cut packets through Handler: the line
// of a message is at its severity's level and ends with a marker that
// says the packet's size; so does the raw line of a malformed one,
// which is kept as far as the server kept it.
func TestHandlerMarksCutPackets(t *testing.T) {
	tree, sink := sinkTree(t)
	sock := filepath.Join(t.TempDir(), "log.sock")
	s, err := Listen(ServerOptions{Unix: sock, MaxMessage: 100, Handle: Handler(tree)})
	require.NoError(t, err)
	defer s.Close()
	c, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer c.Close()
	for _, p := range []string{
		"<11>1 - gw1 bigapp 7 - - " + strings.Repeat("x", 200),
		"<999>" + strings.Repeat("z", 3000),
		"<14>1 - gw1 small - - - whole",
	} {
		_, err := c.Write([]byte(p))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return len(sink.all()) == 3 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{
		"ERROR syslog.bigapp " + strings.Repeat("x", 100-25) + "…[truncated from 225 bytes] host='gw1' pid='7'\n",
		"WARNING syslog <999>" + strings.Repeat("z", 95) + "…[truncated from 3005 bytes] err='syslog: message too long: 3005 bytes, kept 100: " +
			"syslog: malformed message at byte 1: PRI is not a number from 0 to 191'\n",
		"INFO syslog.small whole host='gw1'\n",
	}, sink.all())
	assert.Equal(t, Stats{Received: 3, Malformed: 1, Truncated: 2}, s.Stats())
}

// FuzzParseKept cuts packets where the Server would keep fewer bytes
// than were sent: parseKept never panics, an error says the packet's
// size, and a message it reads keeps the whole packet's PRI (and RFC
// 5424 header) with a prefix of its text in whole characters.
func FuzzParseKept(f *testing.F) {
	for _, s := range []string{
		`<165>1 2026-11-21T22:14:15.003Z gw1 heatd 8710 ID47 [x@1 a="b\]"] msg`,
		"<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed é€𝄞",
		"<13>1 - h a - - - \xef\xbb\xbfhé", "<0>", "<13>1 - h a - - [", "\x00\xff",
	} {
		f.Add([]byte(s), uint16(len(s)-3))
	}
	f.Fuzz(func(t *testing.T, b []byte, keep uint16) {
		kept := b[:min(len(b), int(keep))]
		m, err := parseKept(kept, len(b))
		whole, werr := parse(b, false)
		if len(kept) == len(b) {
			m.Size = 0
			if assert.Equal(t, werr, err) && err == nil {
				assert.Equal(t, whole, m)
			}
			return
		}
		if err != nil {
			require.ErrorIs(t, err, ErrTooLong)
			require.Contains(t, err.Error(), " "+strconv.Itoa(len(b))+" bytes, kept "+strconv.Itoa(len(kept))+": ")
			return
		}
		require.Equal(t, len(b), m.Size)
		require.LessOrEqual(t, len(m.Msg), len(kept))
		if werr != nil {
			return // the cut hid what was wrong
		}
		assert.Equal(t, whole.Facility, m.Facility)
		assert.Equal(t, whole.Severity, m.Severity)
		if m.Format == RFC5424 && whole.Format == RFC5424 {
			assert.Equal(t, [4]string{whole.Hostname, whole.AppName, whole.ProcID, whole.MsgID}, [4]string{m.Hostname, m.AppName, m.ProcID, m.MsgID})
		}
		if m.Format != whole.Format || !m.Time.Equal(whole.Time) || m.Hostname != whole.Hostname || m.AppName != whole.AppName || m.ProcID != whole.ProcID {
			return // an RFC 3164 header read otherwise once cut
		}
		assert.True(t, strings.HasPrefix(whole.Msg, m.Msg), "%q is not a prefix of %q", m.Msg, whole.Msg)
		if utf8.ValidString(whole.Msg) {
			assert.True(t, utf8.ValidString(m.Msg), "%q", m.Msg)
		}
	})
}
