package units

// Share splits avail bytes among parts in proportion to their weights and
// returns each part's factor: part i gets weights[i] × factor. A capped
// part never grows past its weight: while there is room for every capped
// part at its weight (a factor of 1 or more), they take their weights and
// the others share the rest; when there is not, all shrink alike. Parts
// get 0 when avail is not positive or the weights add to nothing.
func Share(avail int64, weights []int64, capped []bool) []float64 {
	out := make([]float64, len(weights))
	left := make([]bool, len(weights)) // still sharing
	for i := range left {
		left[i] = true
	}
	for avail > 0 {
		var sum int64
		anyCapped := false
		for i, w := range weights {
			if left[i] {
				sum += w
				anyCapped = anyCapped || capped[i]
			}
		}
		if sum <= 0 {
			return out
		}
		f := float64(avail) / float64(sum)
		if f < 1 || !anyCapped {
			for i := range weights {
				if left[i] {
					out[i] = f
				}
			}
			return out
		}
		for i, w := range weights {
			if left[i] && capped[i] {
				out[i], left[i], avail = 1, false, avail-w
			}
		}
	}
	return out
}
