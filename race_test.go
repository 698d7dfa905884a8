//go:build race

package gwlog

// raceEnabled: the race detector's sync.Pool drops items on purpose, so
// heap bounds are checked in the plain run only; and it slows the crash
// test's children, which then run fewer rounds.
const raceEnabled = true
