package persist

import (
	"slices"
)

// Orphans. With the freelist read, every page salvage reads is in use, so
// a page that no page names (but the root bucket's) hung below a page
// that did not read: noise, or past the end of the file. Salvage names
// such an orphan after the page that did not read, when what it holds
// says where it belongs (an info bucket's page or a data bucket's: IDs
// and infos, or IDs and buckets) and only one page that did not read
// fits: the stream bucket of "access" lost, its info and data buckets
// still read as those of "access". A segment's own bucket is never
// placed so, since its ID was in the page lost. The segments of an
// orphan that cannot be placed are reported lost by ID, of a stream not
// known.

// Shapes of a bucket's page, by its keys.
const (
	shapeUnknown = iota
	shapeInfo    // an info bucket's: IDs and info values
	shapeData    // a data bucket's: IDs and buckets
	shapeSegment // a segment's bucket: "v", or parts
)

// shape tells what bucket container c is a page of, from its keys; a
// branch page from its first child that read.
func (s *salvager) shape(c int32, depth int) uint8 {
	cn := &s.conts[c]
	if cn.branch {
		if depth > 8 {
			return shapeUnknown
		}
		for _, kid := range cn.kids {
			if k, ok := s.pageCont[kid]; ok {
				return s.shape(k, depth+1)
			}
		}
		return shapeUnknown
	}
	shape := uint8(shapeUnknown)
	for i := cn.start; i < cn.end; i++ {
		e := &s.elems[i]
		var sh uint8
		switch {
		case len(e.key) == 8 && e.kind == elemInfo:
			sh = shapeInfo
		case len(e.key) == 8 && e.kind == elemBucket:
			sh = shapeData
		case e.kind == elemData, e.kind == elemBucket && len(e.key) == len(keyValue)+8 && e.key[0] == keyValue[0]:
			sh = shapeSegment
		default:
			return shapeUnknown
		}
		if shape != shapeUnknown && sh != shape {
			return shapeUnknown
		}
		shape = sh
	}
	return shape
}

// isStreams reports whether container c, a page no page names, is a page
// of the streams bucket: all buckets, and those that read hold "data" and
// "info" buckets, and nothing else. Its path is then "streams": in a file
// cut short, the root page that named it may be gone, and older copies
// still name what they held.
func (s *salvager) isStreams(c int32) bool {
	cn := &s.conts[c]
	if cn.branch || cn.end == cn.start {
		return false
	}
	streams := 0
	for i := cn.start; i < cn.end; i++ {
		e := &s.elems[i]
		if e.kind != elemBucket || len(e.key) > 255 {
			return false
		}
		k := e.child
		if k < 0 {
			var ok bool
			if k, ok = s.pageCont[e.root]; !ok {
				continue
			}
		}
		sub := &s.conts[k]
		if sub.branch || sub.end == sub.start {
			return false
		}
		for j := sub.start; j < sub.end; j++ {
			if f := &s.elems[j]; f.kind != elemBucket || f.key != string(bucketData) && f.key != string(bucketInfo) {
				return false
			}
		}
		streams++
	}
	return streams > 0
}

// adoptPath returns the path of an orphan of shape sh below a page that
// did not read, at path p; nil when it cannot be below it.
func adoptPath(p []string, sh uint8) []string {
	at := func(i int) string {
		if len(p) < i {
			return "\x00"
		}
		return p[len(p)-i]
	}
	var bucket string
	switch sh {
	case shapeInfo:
		bucket = string(bucketInfo)
	case shapeData:
		bucket = string(bucketData)
	default:
		// A segment's bucket below a page that did not read: its ID
		// went with that page.
		return nil
	}
	switch {
	case at(1) == bucket && at(3) == string(bucketStreams):
		return p // a page of that bucket
	case at(2) == string(bucketStreams):
		return append(slices.Clip(p), bucket) // that bucket, below its stream's page
	}
	return nil
}

// orphans returns the page containers no page names, but the root
// buckets of the meta pages.
func (s *salvager) orphans() []int32 {
	var out []int32
	for c := range s.conts {
		cn := &s.conts[c]
		if cn.parent >= 0 || len(s.refs[cn.pgid]) > 0 || s.isRoot(cn.pgid) {
			continue
		}
		out = append(out, int32(c))
	}
	return out
}

// isRoot reports whether page is a meta page's root bucket.
func (s *salvager) isRoot(page uint64) bool {
	for _, m := range s.metas {
		if m.root == page {
			return true
		}
	}
	return false
}

// missingPaths returns the paths of the pages named that did not read.
func (s *salvager) missingPaths() [][]string {
	var out [][]string
	add := func(p []string) {
		for _, q := range out {
			if slices.Equal(p, q) {
				return
			}
		}
		out = append(out, p)
	}
	for i := range s.elems {
		e := &s.elems[i]
		if e.kind != elemBucket || e.child >= 0 {
			continue
		}
		if _, ok := s.pageCont[e.root]; ok {
			continue
		}
		for _, p := range s.pathsOf(e.c) {
			add(append(slices.Clip(p), e.key))
		}
	}
	for c := range s.conts {
		for _, kid := range s.conts[c].kids {
			if _, ok := s.pageCont[kid]; !ok {
				for _, p := range s.pathsOf(int32(c)) {
					add(p)
				}
			}
		}
	}
	return out
}

// adopt places the orphans it can (see above), only when the freelist
// read: without it, the pages no page names are mostly older copies.
func (s *salvager) adopt() {
	if !s.useFree {
		return
	}
	orphans := s.orphans()
	for round := 0; round < 3 && len(orphans) > 0; round++ {
		missing := s.missingPaths()
		groups := make(map[string][]int32)
		paths := make(map[string][]string)
		for _, o := range orphans {
			if s.adopted[o] != nil {
				continue
			}
			sh := s.shape(o, 0)
			var got []string
			n := 0
			for _, p := range missing {
				if q := adoptPath(p, sh); q != nil && (got == nil || !slices.Equal(got, q)) {
					got = q
					n++
				}
			}
			if n == 1 {
				k := string(joinPath(got))
				groups[k] = append(groups[k], o)
				paths[k] = got
			}
		}
		if len(groups) == 0 {
			return
		}
		if s.adopted == nil {
			s.adopted = make(map[int32][]string)
		}
		for k, g := range groups {
			if s.overlap(g) {
				continue // two buckets' pages: which is which is not known
			}
			for _, o := range g {
				s.adopted[o] = paths[k]
			}
		}
		s.paths, s.pathDone = nil, nil // again, with what was placed
	}
}

// joinPath joins a path's keys, each after its length.
func joinPath(p []string) []byte {
	var b []byte
	for _, k := range p {
		b = append(append(b, byte(len(k)>>8), byte(len(k))), k...)
	}
	return b
}

// overlap reports whether pages of group hold keys in ranges that
// overlap, as the pages of one bucket never do.
func (s *salvager) overlap(group []int32) bool {
	type span struct{ lo, hi string }
	var spans []span
	for _, c := range group {
		lo, hi, ok := s.keyRange(c)
		if !ok {
			continue
		}
		for _, o := range spans {
			if lo <= o.hi && o.lo <= hi {
				return true
			}
		}
		spans = append(spans, span{lo, hi})
	}
	return false
}

// keyRange returns the least and greatest keys of the leaves below
// container c, each page visited once.
func (s *salvager) keyRange(c int32) (lo, hi string, ok bool) {
	visited := map[int32]bool{c: true}
	queue := []int32{c}
	for len(queue) > 0 {
		cn := &s.conts[queue[len(queue)-1]]
		queue = queue[:len(queue)-1]
		for _, kid := range cn.kids {
			if k, found := s.pageCont[kid]; found && !visited[k] {
				visited[k] = true
				queue = append(queue, k)
			}
		}
		if cn.end > cn.start {
			l, h := s.elems[cn.start].key, s.elems[cn.end-1].key
			if !ok || l < lo {
				lo = l
			}
			if !ok || h > hi {
				hi = h
			}
			ok = true
		}
	}
	return lo, hi, ok
}

// unplacedSegments returns, for the orphans salvage could not place, the
// segments their info and data buckets name: lost, of a stream not
// known. Only with the freelist read, as adopt.
func (s *salvager) unplacedSegments() []lostEntry {
	if !s.useFree {
		return nil
	}
	var out []lostEntry
	seen := make(map[uint64]bool)
	visited := make(map[int32]bool)
	var queue []int32
	for _, o := range s.orphans() {
		if s.adopted[o] == nil {
			queue = append(queue, o)
		}
	}
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if visited[c] {
			continue
		}
		visited[c] = true
		cn := &s.conts[c]
		for _, kid := range cn.kids {
			if k, ok := s.pageCont[kid]; ok {
				queue = append(queue, k)
			}
		}
		sh := s.shape(c, 0)
		for i := cn.start; i < cn.end; i++ {
			e := &s.elems[i]
			if e.kind == elemBucket {
				if e.child >= 0 {
					queue = append(queue, e.child)
				} else if k, ok := s.pageCont[e.root]; ok {
					queue = append(queue, k)
				}
			}
			if sh != shapeInfo && sh != shapeData {
				continue
			}
			id, ok := readU64([]byte(e.key))
			if !ok || id >= maxID || seen[id] {
				continue
			}
			seen[id] = true
			l := lostEntry{LostSegment: LostSegment{ID: id, Offset: e.off, Cause: "of a stream whose pages are damaged"}}
			if e.kind == elemInfo && e.state == valueOK {
				l.size = s.infos[e.info].Size
			}
			out = append(out, l)
		}
	}
	return out
}
