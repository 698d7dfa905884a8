package syslog

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
)

func TestParse5424(t *testing.T) {
	tests := []struct {
		name, in string
		want     Message
	}{
		{"full", `<165>1 2026-11-21T22:14:15.003Z gw1 heatd 8710 ID47 [exampleSDID@32473 iut="3" eventSource="App"] valve opened`,
			Message{Format: RFC5424, Facility: 20, Severity: 5, Time: time.Date(2026, 11, 21, 22, 14, 15, 3e6, time.UTC),
				Hostname: "gw1", AppName: "heatd", ProcID: "8710", MsgID: "ID47",
				StructuredData: `[exampleSDID@32473 iut="3" eventSource="App"]`, Msg: "valve opened"}},
		{"nil values", "<34>1 - - - - - -", Message{Format: RFC5424, Facility: 4, Severity: 2}},
		{"BOM and escapes in SD", "<13>1 - h a - - [x@1 k=\"a\\]b\\\"c\"][y@2] \xef\xbb\xbfhé",
			Message{Format: RFC5424, Facility: 1, Severity: 5, Hostname: "h", AppName: "a", StructuredData: `[x@1 k="a\]b\"c"][y@2]`, Msg: "hé"}},
		{"trailing newline", "<14>1 - h a - - - msg\n", Message{Format: RFC5424, Facility: 1, Severity: 6, Hostname: "h", AppName: "a", Msg: "msg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParse3164(t *testing.T) {
	year := time.Now().Year()
	tests := []struct {
		name, in string
		want     Message
	}{
		{"classic", "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed",
			Message{Format: RFC3164, Facility: 4, Severity: 2, Time: time.Date(year, 10, 11, 22, 14, 15, 0, time.Local), Hostname: "mymachine", AppName: "su", ProcID: "230", Msg: "'su root' failed"}},
		{"local sender without hostname", "<30>Nov  2 08:00:01 dhcpcd[99]: lease renewed",
			Message{Format: RFC3164, Facility: 3, Severity: 6, Time: time.Date(year, 11, 2, 8, 0, 1, 0, time.Local), AppName: "dhcpcd", ProcID: "99", Msg: "lease renewed"}},
		{"tag without pid", "<13>Nov 21 10:00:00 gw cron: job done",
			Message{Format: RFC3164, Facility: 1, Severity: 5, Time: time.Date(year, 11, 21, 10, 0, 0, 0, time.Local), Hostname: "gw", AppName: "cron", Msg: "job done"}},
		{"no header at all", "<13>just text", Message{Format: RFC3164, Facility: 1, Severity: 5, Msg: "just text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			if got.Time.After(time.Now().Add(24 * time.Hour)) {
				t.Fatal("a date in the future")
			}
			if !tt.want.Time.IsZero() && tt.want.Time.After(time.Now().Add(24*time.Hour)) {
				tt.want.Time = tt.want.Time.AddDate(-1, 0, 0)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"":                               "want <PRI>",
		"hello":                          "want <PRI>",
		"<>1 -":                          "want <PRI> of 1 to 3 digits",
		"<999>1 -":                       "PRI is not a number from 0 to 191",
		"<013>x":                         "PRI is not a number from 0 to 191",
		"<13>1 yesterday h a - - -":      `bad TIMESTAMP "yesterday"`,
		"<13>1 - h a":                    "header ends early",
		"<13>1 - h a - -":                "want STRUCTURED-DATA",
		"<13>1 - h a - - [x@1 k=\"v\" m": "unterminated SD-ELEMENT",
		"<13>1 - h a - - [x@1]m":         "want a space before MSG",
	}
	for in, want := range tests {
		_, err := Parse([]byte(in))
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
		var pe *ParseError
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, err.Error(), want, "%q", in)
	}
	_, err := Parse(make([]byte, MaxMessage+1))
	assert.ErrorIs(t, err, ErrTooLong)
}

func TestAppendRoundTrip(t *testing.T) {
	m := Message{Format: RFC5424, Facility: 19, Severity: 3, Time: time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC),
		Hostname: "gw1", AppName: "gwlog", ProcID: "42", MsgID: "error", Msg: "valve stuck é"}
	b := AppendRFC5424(nil, &m)
	assert.Equal(t, "<155>1 2026-11-21T10:00:00.123456Z gw1 gwlog 42 error - \xef\xbb\xbfvalve stuck é", string(b))
	back, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, m, back)

	m.Hostname, m.MsgID = "has space", ""
	assert.Contains(t, string(AppendRFC5424(nil, &m)), " - gwlog 42 - - ", "bad or empty fields are -")

	bsd := Message{Format: RFC3164, Facility: 1, Severity: 4, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local), Hostname: "gw1", AppName: "gwlog", ProcID: "7", Msg: "hello"}
	b = AppendRFC3164(nil, &bsd)
	assert.Equal(t, "<12>Jan  2 03:04:05 gw1 gwlog[7]: hello", string(b))
	back, err = Parse(b)
	require.NoError(t, err)
	assert.Equal(t, bsd.Msg, back.Msg)
	assert.Equal(t, bsd.AppName, back.AppName)
	assert.Equal(t, bsd.Hostname, back.Hostname)
}

func TestLevel(t *testing.T) {
	want := []levels.Level{levels.CRITICAL, levels.CRITICAL, levels.CRITICAL, levels.ERROR, levels.WARNING, levels.INFO, levels.INFO, levels.DEBUG}
	for sev, lv := range want {
		assert.Equal(t, lv, Level(sev), "severity %d", sev)
	}
}

func TestServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	var mu sync.Mutex
	var got []string
	s, err := Listen(ServerOptions{UDP: "127.0.0.1:0", Unix: sock, Handle: func(m *Message, raw []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			got = append(got, "malformed: "+string(raw))
			return
		}
		got = append(got, m.AppName+": "+m.Msg)
	}})
	require.NoError(t, err)
	udp, err := net.Dial("udp", s.UDPAddr().String())
	require.NoError(t, err)
	defer udp.Close()
	unix, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer unix.Close()
	_, _ = udp.Write([]byte("<14>1 - h app1 - - - over udp"))
	_, _ = unix.Write([]byte("<14>Nov 21 10:00:00 app2[1]: over the socket"))
	_, _ = unix.Write([]byte("garbage"))
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 }, 5*time.Second, 5*time.Millisecond)
	assert.ElementsMatch(t, []string{"app1: over udp", "app2: over the socket", "malformed: garbage"}, got)
	assert.Equal(t, Stats{Received: 3, Malformed: 1}, s.Stats())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.NoFileExists(t, sock)

	_, err = Listen(ServerOptions{UDP: "0.0.0.0:0", Handle: func(*Message, []byte, error) {}})
	assert.ErrorContains(t, err, "only loopback")
	_, err = Listen(ServerOptions{})
	assert.True(t, err != nil && !errors.Is(err, ErrMalformed))
	assert.True(t, strings.Contains(err.Error(), "Handle"))
}

// FuzzParse feeds arbitrary packets to Parse: it never panics, and a
// message it accepts writes back (RFC 5424) to one that parses again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<165>1 2026-11-21T22:14:15.003Z gw1 heatd 8710 ID47 [x@1 a="b\]"] msg`,
		"<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed",
		"<13>1 - - - - - -", "<0>", "<191>x", "<13>1 - h a - - [", "\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		out := AppendRFC5424(nil, &m)
		if _, err := Parse(out); err != nil && m.StructuredData == "" {
			t.Fatalf("%q → %q: %v", b, out, err)
		}
	})
}

func TestSocketMode(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	s, err := Listen(ServerOptions{Unix: sock, Handle: func(*Message, []byte, error) {}})
	require.NoError(t, err)
	defer s.Close()
	fi, err := os.Stat(sock)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())
}
