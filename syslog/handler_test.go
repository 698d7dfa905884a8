package syslog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
)

// TestLossLogger says what the kernel dropped on the logger "syslog".
func TestLossLogger(t *testing.T) {
	tree, sink := sinkTree(t)
	lost := LossLogger(tree)
	lost(37, time.Now())
	lost(1, time.Now())
	assert.Equal(t, []string{
		"WARNING syslog 37 syslog messages lost (the receive buffer overflowed)\n",
		"WARNING syslog 1 syslog message lost (the receive buffer overflowed)\n",
	}, sink.all())
}

// TestHandlerSource shows a packet's sender as its lines' source: a
// format's caller fields give the app and its pid, not the handler's
// file and line, also for the count of repeats a Dedup writes.
func TestHandlerSource(t *testing.T) {
	f, err := levels.NewFormatter(levels.FormatterOptions{Pattern: "%(filename)s:%(lineno)d %(module)s %(funcName)s %(name)s %(message)s"})
	require.NoError(t, err)
	tree := levels.NewTree(levels.Options{RootLevel: levels.DEBUG})
	sink := &lineSink{}
	dd := levels.NewDedup(sink, time.Hour)
	tree.SetTargets("root", []levels.Target{{Name: "all", Format: f, Sink: dd}})
	h := Handler(tree)
	for _, p := range []string{
		"<30>1 2026-11-21T10:00:00Z gw1 dnsmasq 812 - - query A example.org",
		"<30>Nov 21 10:00:01 gw1 hostapd: wlan0 associated",
		"<30>Nov 21 10:00:02 gw1 hostapd: wlan0 associated",
		"<30>Nov 21 10:00:03 gw1 hostapd: wlan0 associated",
		"<30>1 2026-11-21T10:00:04Z gw1 dnsmasq 812 - - query AAAA example.org",
	} {
		m, err := Parse([]byte(p))
		require.NoError(t, err, p)
		h(&m, []byte(p), nil)
	}
	dd.Flush()
	assert.Equal(t, []string{
		"dnsmasq:812 dnsmasq dnsmasq syslog.dnsmasq query A example.org\n",
		"hostapd:0 hostapd hostapd syslog.hostapd wlan0 associated\n",
		"hostapd:0 hostapd hostapd syslog.hostapd last message repeated 2 times\n",
		"dnsmasq:812 dnsmasq dnsmasq syslog.dnsmasq query AAAA example.org\n",
	}, sink.all())
}
