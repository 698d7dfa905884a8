// Package gwtest holds the helpers that tests of several packages
// repeat: a runtime closed when the test ends, its config file, a server
// for its handler, an HTTP request read to the end, and the pixel count
// and keeping of the browser tests' screenshots. It is for tests only,
// in the manner of bbolt's internal/btesting.
//
// # Basics
//
// Every helper takes the test and fails it (require) on an error it did
// not expect; what it opens it closes in t.Cleanup, so that a test needs
// no defers:
//
//	rt := gwtest.Open(t, gwlog.Options{})
//	srv := gwtest.Serve(t, rt.HTTPHandler())
//	resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/stats")
//
// # Caveats
//
// gwtest imports gwlog and so every package gwlog imports (ramlog,
// eventlog, httplog, forward, syslog, persist, cfg, levels, …): their
// in-package tests cannot use it, as that would be an import cycle; their
// external tests (package httplog_test) can. Helpers for those packages'
// own tests, such as the in-memory archives of ramlog and eventlog, stay
// beside them.
package gwtest
