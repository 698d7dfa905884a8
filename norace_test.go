//go:build !race

package gwlog

const raceEnabled = false
