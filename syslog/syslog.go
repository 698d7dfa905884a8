package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gwlog/gwlog/levels"
)

// Format is a syslog wire format.
type Format uint8

// The formats.
const (
	RFC5424 Format = iota // <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG
	RFC3164               // BSD syslog: <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
)

// Message is one syslog message.
type Message struct {
	Format   Format
	Facility int       // 0-23
	Severity int       // 0-7
	Time     time.Time // zero when the message has none
	Hostname string
	AppName  string // RFC 3164's TAG
	ProcID   string
	MsgID    string
	// StructuredData is RFC 5424's structured data as sent, "" for none.
	StructuredData string
	Msg            string
	// Received is when the Server took the packet in (one reading of
	// the clock per batch of packets); zero from Parse.
	Received time.Time
	// Size is the packet's length in bytes as sent; zero from Parse. The
	// Server keeps at most ServerOptions.MaxMessage bytes of a packet:
	// when Size is more than it handed to Handle, Msg (or the raw
	// packet) ends where the kept bytes do.
	Size int
}

// MaxMessage is the longest message Parse accepts; a longer one is an
// error (ErrTooLong), as syslog receivers may refuse them. It is also the
// most of a packet a Server keeps by default (ServerOptions.MaxMessage).
const MaxMessage = 16 << 10

// Errors.
var (
	// ErrMalformed is returned for a message that follows neither format.
	ErrMalformed = errors.New("syslog: malformed message")
	// ErrTooLong is returned by Parse for a message over MaxMessage bytes,
	// and handed to ServerOptions.Handle with a packet the Server cut
	// whose header is malformed or cut short.
	ErrTooLong = errors.New("syslog: message too long")
	// ErrInUse is returned by Listen for a unix socket path where another
	// process's socket answers.
	ErrInUse = errors.New("syslog: socket in use")
)

// ParseError says where a message went wrong.
type ParseError struct {
	Offset int
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("syslog: malformed message at byte %d: %s", e.Offset, e.Reason)
}

// Unwrap returns ErrMalformed.
func (e *ParseError) Unwrap() error { return ErrMalformed }

// Parse reads an RFC 5424 or RFC 3164 message (the version after the PRI
// tells which). RFC 3164 is read leniently, as local senders write it:
// the timestamp and hostname may be missing. Parse keeps nothing of b.
func Parse(b []byte) (Message, error) {
	if len(b) > MaxMessage {
		return Message{}, fmt.Errorf("%w: %d bytes, over %d", ErrTooLong, len(b), MaxMessage)
	}
	return parse(b, false)
}

// parseKept is Parse for the Server: p is what it kept of a packet of
// size bytes, and the Message's strings are views of p, valid while p
// is. Of a cut packet (size over len(p)) the header is read as usual and
// Msg ends where p does, at a whole UTF-8 character; the error of one
// whose header p cuts short, or that is malformed, matches ErrTooLong as
// well and says the packet's size.
func parseKept(p []byte, size int) (Message, error) {
	m, err := parse(p, true)
	m.Size = size
	if size <= len(p) {
		return m, err
	}
	if err != nil {
		return Message{Size: size}, fmt.Errorf("%w: %d bytes, kept %d: %w", ErrTooLong, size, len(p), err)
	}
	m.Msg = wholeRunes(m.Msg)
	return m, nil
}

// wholeRunes returns s without the incomplete UTF-8 sequence a cut left
// at its end, if any.
func wholeRunes(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

func parse(b []byte, view bool) (Message, error) {
	var m Message
	b = bytes.TrimRight(b, "\r\n\x00")
	pri, n, err := parsePRI(b)
	if err != nil {
		return m, err
	}
	m.Facility, m.Severity = pri/8, pri%8
	rest := b[n:]
	if len(rest) >= 2 && rest[0] == '1' && rest[1] == ' ' {
		m.Format = RFC5424
		err = parse5424(&m, rest[2:], n+2, view)
	} else {
		m.Format = RFC3164
		parse3164(&m, rest, view)
	}
	return m, err
}

func parsePRI(b []byte) (int, int, error) {
	if len(b) < 3 || b[0] != '<' {
		return 0, 0, &ParseError{0, "want <PRI>"}
	}
	end := bytes.IndexByte(b[:min(len(b), 5)], '>')
	if end < 2 {
		return 0, 0, &ParseError{0, "want <PRI> of 1 to 3 digits"}
	}
	pri, err := strconv.Atoi(string(b[1:end]))
	if err != nil || pri > 191 || (end > 2 && b[1] == '0') {
		return 0, 0, &ParseError{1, "PRI is not a number from 0 to 191"}
	}
	return pri, end + 1, nil
}

// field cuts the next space-separated field of b.
func field(b []byte) (f, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

func nilable(f []byte, view bool) string {
	if len(f) == 1 && f[0] == '-' {
		return ""
	}
	return str(f, view)
}

// str returns b as a string: a copy, or a view of b when view is set.
func str(b []byte, view bool) string {
	if view && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

func parse5424(m *Message, b []byte, off int, view bool) error {
	var f []byte
	start := len(b)
	pos := func() int { return off + start - len(b) }
	f, b = field(b)
	if !(len(f) == 1 && f[0] == '-') {
		t, err := time.Parse(time.RFC3339Nano, string(f))
		if err != nil {
			return &ParseError{pos() - len(f) - 1, "bad TIMESTAMP " + strconv.Quote(string(f))}
		}
		m.Time = t
	}
	for _, dst := range []*string{&m.Hostname, &m.AppName, &m.ProcID, &m.MsgID} {
		if b == nil {
			return &ParseError{pos(), "header ends early"}
		}
		f, b = field(b)
		if len(f) == 0 || len(f) > 255 {
			return &ParseError{pos() - len(f) - 1, "empty or overlong header field"}
		}
		*dst = nilable(f, view)
	}
	if len(b) == 0 {
		return &ParseError{pos(), "want STRUCTURED-DATA"}
	}
	if b[0] == '-' {
		b = b[1:]
	} else {
		n, err := sdLen(b)
		if err != nil {
			return &ParseError{pos() + n, err.Error()}
		}
		m.StructuredData, b = str(b[:n], view), b[n:]
	}
	if len(b) > 0 {
		if b[0] != ' ' {
			return &ParseError{pos(), "want a space before MSG"}
		}
		b = bytes.TrimPrefix(b[1:], []byte("\xef\xbb\xbf")) // the BOM of a UTF-8 MSG
	}
	m.Msg = str(b, view)
	return nil
}

// sdLen returns the length of the SD-ELEMENTs at the start of b.
func sdLen(b []byte) (int, error) {
	i := 0
	for i < len(b) && b[i] == '[' {
		i++
		inQuote := false
		for ; i < len(b); i++ {
			c := b[i]
			switch {
			case c == '\\' && inQuote:
				i++ // \" \\ \]
			case c == '"':
				inQuote = !inQuote
			case c == ']' && !inQuote:
				goto closed
			}
		}
		return i, errors.New("unterminated SD-ELEMENT")
	closed:
		i++
	}
	if i == 0 {
		return 0, errors.New("want STRUCTURED-DATA")
	}
	return i, nil
}

// parse3164 reads what follows the PRI of a BSD message. Nothing is an
// error: what does not look like a header is message.
func parse3164(m *Message, b []byte, view bool) {
	if len(b) >= 16 && b[15] == ' ' {
		if t, err := time.Parse(time.Stamp, string(b[:15])); err == nil {
			now := time.Now()
			m.Time = time.Date(now.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
			if m.Time.After(now.Add(24 * time.Hour)) {
				m.Time = m.Time.AddDate(-1, 0, 0) // December's message read in January
			}
			b = b[16:]
		}
	}
	// HOSTNAME is there unless the next word is already the TAG (it ends
	// with ':' or holds '['), as local senders write.
	if w, rest := field(b); len(w) > 0 && rest != nil && !isTag(w) {
		if t, _ := field(rest); isTag(t) {
			m.Hostname, b = str(w, view), rest
		}
	}
	if w, rest := field(b); isTag(w) {
		tag := bytes.TrimSuffix(w, []byte(":"))
		if i := bytes.IndexByte(tag, '['); i >= 0 && bytes.HasSuffix(tag, []byte("]")) {
			m.ProcID = str(tag[i+1:len(tag)-1], view)
			tag = tag[:i]
		}
		m.AppName, b = str(tag, view), rest
	}
	m.Msg = str(b, view)
}

func isTag(w []byte) bool {
	if len(w) < 2 || len(w) > 64 {
		return false
	}
	if w[len(w)-1] == ':' {
		return true
	}
	return bytes.HasSuffix(w, []byte("]:")) || (bytes.IndexByte(w, '[') > 0 && w[len(w)-1] == ']')
}

// Level maps a syslog severity to a gwlog level: emerg, alert and crit
// are CRITICAL, err ERROR, warning WARNING, notice and info INFO, debug
// DEBUG.
func Level(severity int) levels.Level {
	switch {
	case severity <= 2:
		return levels.CRITICAL
	case severity == 3:
		return levels.ERROR
	case severity == 4:
		return levels.WARNING
	case severity <= 6:
		return levels.INFO
	}
	return levels.DEBUG
}

// AppendRFC5424 appends m as an RFC 5424 message (no trailing newline;
// the transport frames it). Empty header fields are "-"; a field with a
// space or a non-printable byte is replaced by "-".
func AppendRFC5424(dst []byte, m *Message) []byte {
	dst = appendPRI(dst, m)
	dst = append(dst, '1', ' ')
	if m.Time.IsZero() {
		dst = append(dst, '-')
	} else {
		dst = m.Time.AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	}
	for _, f := range []struct {
		s   string
		max int
	}{{m.Hostname, 255}, {m.AppName, 48}, {m.ProcID, 128}, {m.MsgID, 32}} {
		dst = append(dst, ' ')
		dst = appendHeaderField(dst, f.s, f.max)
	}
	dst = append(dst, ' ')
	if m.StructuredData == "" {
		dst = append(dst, '-')
	} else {
		dst = append(dst, m.StructuredData...)
	}
	if m.Msg != "" {
		dst = append(dst, ' ')
		if !isASCII(m.Msg) {
			dst = append(dst, "\xef\xbb\xbf"...)
		}
		dst = append(dst, m.Msg...)
	}
	return dst
}

// AppendRFC3164 appends m as a BSD syslog message:
// <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG.
func AppendRFC3164(dst []byte, m *Message) []byte {
	dst = appendPRI(dst, m)
	t := m.Time
	if t.IsZero() {
		t = time.Now()
	}
	dst = t.AppendFormat(dst, time.Stamp)
	dst = append(dst, ' ')
	dst = appendHeaderField(dst, m.Hostname, 255)
	dst = append(dst, ' ')
	dst = appendHeaderField(dst, m.AppName, 32)
	if m.ProcID != "" {
		dst = append(dst, '[')
		dst = appendHeaderField(dst, m.ProcID, 32)
		dst = append(dst, ']')
	}
	dst = append(dst, ':', ' ')
	return append(dst, m.Msg...)
}

func appendPRI(dst []byte, m *Message) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(min(max(m.Facility, 0), 23)*8+min(max(m.Severity, 0), 7)), 10)
	return append(dst, '>')
}

func appendHeaderField(dst []byte, s string, limit int) []byte {
	if s == "" || len(s) > limit {
		return append(dst, '-')
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return append(dst, '-')
		}
	}
	return append(dst, s...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
