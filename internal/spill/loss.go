package spill

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gwlog/gwlog/eventlog"
)

// lossLog is what was lost as last said in the logs (at most once a
// LossEvery, and when the disk is back), and the causes since.
type lossLog struct {
	said      map[string]uint64 // Stats.LostBy as last said
	saidLines uint64
	saidAt    time.Time
	why       map[string]uint64 // lines lost by cause, since
}

// lostLocked counts a segment of stream given up unspilled (why: the
// cause, for lostSinceSaid); sp.mu is held.
func (sp *Spiller) lostLocked(stream string, records uint64, why string) {
	if sp.loss.why == nil {
		sp.loss.why = make(map[string]uint64)
	}
	sp.loss.why[why] += records
	sp.stats.Lost++
	sp.stats.LostLines += records
	if sp.stats.LostBy == nil {
		sp.stats.LostBy = make(map[string]uint64)
	}
	sp.stats.LostBy[stream] += records
}

// lostSinceSaid is the line that says what was lost since it was last
// said, in the history where it went missing; "" when nothing was, or
// when the last was said less than LossEvery ago and the disk is not just
// back (the counts wait). sp.mu is held.
func (sp *Spiller) lostSinceSaid(back bool) string {
	l := &sp.loss
	now := sp.o.Now()
	if sp.stats.LostLines == l.saidLines || (!back && now.Sub(l.saidAt) < sp.o.LossEvery) {
		return ""
	}
	var by []string
	for _, stream := range slices.Sorted(maps.Keys(sp.stats.LostBy)) {
		if n := sp.stats.LostBy[stream] - l.said[stream]; n > 0 {
			if stream == eventlog.SpillName {
				stream = "event log"
			}
			by = append(by, fmt.Sprintf("%s %d", stream, n))
		}
	}
	var why []string
	for _, cause := range slices.Sorted(maps.Keys(l.why)) {
		if len(l.why) == 1 {
			why = append(why, cause)
		} else {
			why = append(why, fmt.Sprintf("%s (%d)", cause, l.why[cause]))
		}
	}
	msg := fmt.Sprintf("gwlog: %d lines and events were lost before they reached the disk (%s): %s",
		sp.stats.LostLines-l.saidLines, strings.Join(by, ", "), strings.Join(why, "; "))
	l.said, l.saidLines, l.saidAt = maps.Clone(sp.stats.LostBy), sp.stats.LostLines, now
	clear(l.why)
	return msg
}
