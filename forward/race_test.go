//go:build race

package forward

// raceEnabled: the race run leaves the real databases to the plain run.
const raceEnabled = true
