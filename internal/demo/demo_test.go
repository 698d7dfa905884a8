package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func TestRunEvents(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Run(ctx, rt, Options{Rate: 50}) }()

	// At rate 50 there are 20 readings and about ten valve switches by
	// request a second; the thermostat switches within seconds.
	count := func(f eventlog.Filter) int {
		n := 0
		for _, err := range rt.Events().Query(f) {
			require.NoError(t, err)
			n++
		}
		return n
	}
	require.Eventually(t, func() bool {
		return count(eventlog.Filter{TypePrefix: TypeTemperature}) >= 40 &&
			count(eventlog.Filter{TypePrefix: TypeValve, Where: []eventlog.Cond{{Key: "zone", Op: eventlog.Ge, Value: eventlog.Int(1)}}}) >= 4
	}, 20*time.Second, 20*time.Millisecond)
	cancel()
	<-done

	seen := map[string]int{}
	for ev, err := range rt.Events().Query(eventlog.Filter{TypePrefix: TypeTemperature}) {
		require.NoError(t, err)
		seen[ev.Source]++
		require.Len(t, ev.Attrs, 2)
		assert.Equal(t, "val", ev.Attrs[0].Key)
		require.Equal(t, eventlog.KindFloat, ev.Attrs[0].Value.Kind())
		assert.InDelta(t, 21, ev.Attrs[0].Value.AsFloat(), 5, "a room temperature")
		assert.Equal(t, eventlog.StringAttr("unit", "C"), ev.Attrs[1])
		assert.Empty(t, ev.Token)
	}
	assert.Len(t, seen, len(sources), "every sensor reads")

	// Valve events alternate per zone, and those caused by a request
	// carry its token, which finds its access line.
	last := map[int64]bool{}
	tokens := 0
	for ev, err := range rt.Events().Query(eventlog.Filter{TypePrefix: TypeValve}) {
		require.NoError(t, err)
		require.Len(t, ev.Attrs, 2)
		assert.Equal(t, "zone", ev.Attrs[0].Key)
		zone := ev.Attrs[0].Value.AsInt()
		require.True(t, zone >= 1 && zone <= int64(len(valves)), "zone %d", zone)
		assert.Equal(t, valves[zone-1], ev.Source)
		assert.Equal(t, eventlog.KindBool, ev.Attrs[1].Value.Kind())
		on := ev.Attrs[1].Value.AsBool()
		assert.Equal(t, !last[zone], on, "a valve event is a change")
		last[zone] = on
		if ev.Token != "" {
			tokens++
			assert.Regexp(t, `^req-[0-9a-f]{8}$`, ev.Token)
		}
	}
	assert.Positive(t, tokens, "requests switch valves")

	// The EventLog stream holds the events' lines, and only those.
	lines := strings.Split(strings.TrimSuffix(string(rt.Stream(gwlog.EventLog).AppendTail(nil, 1000)), "\n"), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		assert.Regexp(t, `INFO EventLog\.webbrick\.(CT wb/10\d/CT/\d seq='\d+' val='[\d.]+' unit='C'|DO wb/10\d/DO/\d seq='\d+' (token='req-[0-9a-f]{8}' )?zone='\d' on='(true|false)')$`, l)
	}
}
