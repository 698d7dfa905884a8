package httplog

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gwlog/gwlog/eventlog"
)

// typeParams are the parameters of GET /events/types.
var typeParams = []string{"type", "source", "since", "until"}

// TypesAnswer is GET /events/types' answer: the types and sources of the
// events held (eventlog.Log.Kinds), and what could not be read, as in
// SeriesAnswer.
type TypesAnswer struct {
	Types []eventlog.TypeSource `json:"types"`
	// Truncated says that there were more than eventlog.MaxTypes pairs.
	Truncated bool   `json:"truncated"`
	Error     string `json:"error,omitempty"`
	Corrupt   int    `json:"corrupt,omitempty"`
	Evicted   int    `json:"evicted,omitempty"`
}

// ParseTypes reads GET /events/types' parameters into a filter: type (a
// prefix), source (exact or a * glob), since (default 24 hours before
// now) and until (default now).
func ParseTypes(v url.Values, now time.Time) (eventlog.Filter, error) {
	p := newParams(v, typeParams, nil)
	f := eventlog.Filter{
		TypePrefix: p.str("type"),
		Source:     p.str("source"),
		Since:      p.time("since", now, now.Add(-DefaultSeriesSpan).UTC()),
		Until:      p.time("until", now, now.UTC()),
	}
	p.order(f.Since, f.Until)
	return f, p.err
}

// handleTypes serves GET /events/types: the event types and sources that
// exist in the window, with counts, times and numeric attributes, for
// pickers such as the page's. It reads every matching record's header,
// so it runs within heavy.
func handleTypes(src Source, heavy *gate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := query(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, err := ParseTypes(v, time.Now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !heavy.enter(w, r, "read-backs") {
			return
		}
		defer heavy.leave()
		types, truncated, errs, err := src.Events().Types(f)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ans := TypesAnswer{Types: types, Truncated: truncated}
		if ans.Types == nil {
			ans.Types = []eventlog.TypeSource{}
		}
		var sk skips
		for _, err := range errs {
			sk.add(err)
		}
		if sk.any() {
			ans.Error, ans.Corrupt, ans.Evicted = sk.String(), sk.corrupt, sk.evicted
		}
		writeJSON(w, http.StatusOK, ans)
	}
}
