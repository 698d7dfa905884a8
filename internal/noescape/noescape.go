// Package noescape hides a pointer from the compiler's escape analysis,
// so that what it points to may stay on its owner's stack.
package noescape

import "unsafe"

// Pointer returns p, hidden from escape analysis: what the result leads to
// is not taken to flow from p. It is sound only while nothing keeps the
// result, or anything reached through it, past the caller's frame: the
// callers render what they are given into bytes and keep only copies of
// those bytes. A change that keeps such a value longer must stop hiding
// it.
func Pointer[T any](p *T) *T {
	u := uintptr(unsafe.Pointer(p)) ^ 0 // a number: the flow stops here
	return *(**T)(unsafe.Pointer(&u))
}
