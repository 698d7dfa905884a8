package ramlog

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gwlog/gwlog/internal/units"
)

// DefaultCap is the RAM cap of a Budget made with a limit of zero.
const DefaultCap = 100 << 20

// Budget is the global RAM cap that every ring draws from. A ring reserves
// its whole size when it is made, so the bytes held by all rings can never
// exceed the limit, whatever the load. Safe for concurrent use.
type Budget struct {
	mu    sync.Mutex // serializes SetLimit with Reserve; a leaf: taken under rings' and the spiller's locks
	limit atomic.Int64
	used  atomic.Int64

	cmu  sync.Mutex  // guards comp; taken under no stream's lock
	comp *compressor // the streams' shared compressor; nil while none compresses
}

// NewBudget returns a budget of limit bytes; zero means DefaultCap.
func NewBudget(limit int64) (*Budget, error) {
	if limit == 0 {
		limit = DefaultCap
	}
	if limit < 0 {
		return nil, fmt.Errorf("%w: ram_cap %d", ErrSize, limit)
	}
	b := &Budget{}
	b.limit.Store(limit)
	return b, nil
}

// Reserve takes n bytes from the budget, or fails with ErrOverBudget and
// takes nothing.
func (b *Budget) Reserve(n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	used, limit := b.used.Load(), b.limit.Load()
	if n < 0 || used+n > limit {
		return fmt.Errorf("%w: %s more would make %s of %s", ErrOverBudget,
			units.FormatSize(n), units.FormatSize(used+n), units.FormatSize(limit))
	}
	b.used.Add(n)
	return nil
}

// SetLimit changes the cap; it fails with ErrOverBudget, changing
// nothing, when more than limit is reserved already.
func (b *Budget) SetLimit(limit int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if limit <= 0 {
		return fmt.Errorf("%w: ram_cap %d", ErrSize, limit)
	}
	if used := b.used.Load(); used > limit {
		return fmt.Errorf("%w: %s is reserved, more than %s", ErrOverBudget, units.FormatSize(used), units.FormatSize(limit))
	}
	b.limit.Store(limit)
	return nil
}

// Release returns n bytes to the budget.
func (b *Budget) Release(n int64) { b.used.Add(-n) }

// Used returns the bytes reserved.
func (b *Budget) Used() int64 { return b.used.Load() }

// Limit returns the cap.
func (b *Budget) Limit() int64 { return b.limit.Load() }
