package httplog

import (
	"net/http"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/ramlog"
)

// StatsSource is a Source that reports its own counters for GET /stats.
// A gwlog.Runtime does so with
//
//	func (rt *Runtime) StatsJSON() any { return rt.Stats() }
//
// which carries what the handler cannot see through Source: the RAM cap
// and use, and the forwards' and webhooks' queues.
type StatsSource interface {
	Source
	// StatsJSON returns a snapshot of the counters, a value that
	// encoding/json encodes to an object. It is called once per request
	// and must be safe for concurrent use.
	StatsJSON() any
}

// SourceStats is the body of GET /stats for a Source that is not a
// StatsSource: the counters Source shows. Its fields have the names and
// JSON keys of gwlog.Stats', so that clients read both alike.
type SourceStats struct {
	Streams []ramlog.Stats `json:"streams"`
	Events  eventlog.Stats `json:"events"`
}

// handleStats serves GET /stats: the source's counters as a JSON object.
// It takes no parameters; any is a 400, as elsewhere.
func handleStats(src Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !noParams(w, r, "/stats") {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if s, ok := src.(StatsSource); ok {
			writeJSON(w, http.StatusOK, s.StatsJSON())
			return
		}
		list := src.Streams()
		st := SourceStats{Streams: make([]ramlog.Stats, 0, len(list)), Events: src.Events().Stats()}
		for _, s := range list {
			st.Streams = append(st.Streams, s.Stats())
		}
		writeJSON(w, http.StatusOK, st)
	}
}
