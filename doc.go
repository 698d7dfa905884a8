// Package gwlog is a logging runtime for embedded gateways: hierarchical
// named loggers with Python logging's levels and patterns, routed to RAM
// rings under one hard cap.
//
// # Basics
//
//	rt, err := gwlog.Open(gwlog.Options{})     // the embedded minimal profile
//	defer rt.Close()
//	log := rt.Logger("WebBrickGateway.Heating")
//	log.Warn("valve stuck", "zone", 3)
//	slog.SetDefault(slog.New(rt.Handler()))    // log/slog goes through the tree
//	lines := rt.Stream("debug").Tail(100)
//
// Five streams are standard: access (one line per HTTP request), error
// (every record at ERROR or above), EventLog (one line per event), debug
// (everything the others get, plus INFO/DEBUG detail when a logger is
// raised) and screen (start and stop messages, to the console). Each
// stream but screen is a fixed-size RAM ring (package ramlog) with
// file-like rotation; all rings together stay under Options.RAMCap.
//
// # Caveats
//
// Routing follows Python: a record is emitted when its level reaches the
// originating logger's effective level, and then reaches that logger's
// streams and, while propagate holds, its ancestors'; each stream then
// applies its own level. A logger with propagate off therefore keeps its
// errors out of the error stream unless it names that stream itself.
package gwlog
