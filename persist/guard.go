package persist

import (
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// bbolt reads through a memory map: a page of a file on a disk that went
// away, or past the end of a file cut short, faults instead of returning
// an error, and bbolt panics on pages it cannot make sense of. Every call
// into bbolt goes through these guards, which turn both into errors on the
// calling goroutine, so that I/O never panics the process.

// errPanic is the cause of an error made from a fault or a bbolt panic.
type errPanic struct{ v any }

func (e errPanic) Error() string { return fmt.Sprintf("bbolt failed: %v", e.v) }

// guarded runs fn with faults turned into panics, and panics into an error.
func guarded(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = errPanic{r}
		}
	}()
	return fn()
}

// view runs fn in a read transaction of db, guarded.
func view(db *bolt.DB, fn func(*bolt.Tx) error) error {
	return guarded(func() error { return db.View(fn) })
}

// update runs fn in a write transaction of db and commits it, guarded.
func update(db *bolt.DB, fn func(*bolt.Tx) error) error {
	return guarded(func() error { return db.Update(fn) })
}

// openDB opens a bbolt file, guarded.
func openDB(path string, o *bolt.Options) (db *bolt.DB, err error) {
	err = guarded(func() error {
		db, err = bolt.Open(path, FileMode, o)
		return err
	})
	return db, err
}
