// Package plot renders an event series (eventlog.Series) as a
// self-contained SVG chart: the per-bucket average as a line, the
// min–max range as a shaded band, a time axis, a value axis and a title.
//
// # Basics
//
// AppendSVG appends the chart to a byte slice and SVG writes it to an
// io.Writer; both take the Series as returned by eventlog.Log.Series (or
// decoded from gwlogd's GET /series). Points sit at the middle of their
// bucket. Empty buckets leave gaps: the line and the band stop and start
// again, so a silent sensor is visible as a hole rather than a slope.
// Time ticks are aligned to the wall clock of Options.Location (UTC by
// default) and read HH:MM:SS, HH:MM or dates as the span needs; value
// ticks are round numbers (1, 2 or 5 times a power of ten).
//
// # Caveats
//
// The chart uses no fonts, scripts or style sheets from outside: text is
// in the viewer's sans-serif font, so label widths are estimates. The
// bucket width is taken from the first two buckets; a series of one
// bucket is drawn one minute wide unless Options.Step says otherwise.
package plot
