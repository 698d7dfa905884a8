package cli

import (
	"bytes"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/gwlog/gwlog/eventlog"
)

// FuzzReadEvents checks that whatever a daemon sends, readEvents ends
// with events or an error, never a panic, and that every event it
// yields prints in each format.
func FuzzReadEvents(f *testing.F) {
	ev, _ := (&eventlog.Event{Seq: 1, Time: 2, Type: "t", Source: "s", Token: "x",
		Attrs: []eventlog.Attr{eventlog.FloatAttr("v", 1.5), eventlog.StringAttr("u", "C")}}).MarshalMsg(nil)
	trailer := msgp.AppendString(msgp.AppendString(msgp.AppendMapHeader(nil, 1), "error"), "1 corrupt record skipped")
	f.Add(ev)
	f.Add(append(append([]byte{}, ev...), trailer...))
	f.Add(ev[:len(ev)/2])
	f.Add([]byte{0xc1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		writers := []eventWriter{&textWriter{w: &out}, &jsonWriter{w: &out}, &csvWriter{w: &out}}
		n := 0
		_ = readEvents(bytes.NewReader(b), func(ev *eventlog.Event) error {
			n++
			for _, w := range writers {
				if err := w.write(ev); err != nil {
					t.Fatal(err)
				}
			}
			return nil
		})
		for _, w := range writers {
			if err := w.flush(); err != nil {
				t.Fatal(err)
			}
		}
		if n > len(b) {
			t.Fatalf("%d events from %d bytes", n, len(b))
		}
	})
}
