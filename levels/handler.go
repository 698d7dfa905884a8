package levels

import (
	"context"
	"log/slog"
	"slices"
)

// DefaultNameKey is the attribute that names a record's logger when it
// comes through the slog bridge.
const DefaultNameKey = "logger"

// HandlerOptions configure Tree.Handler. The zero value means the defaults.
type HandlerOptions struct {
	// NameKey is the key of the attribute that names the logger a record
	// goes to, given with the record or through WithAttrs; the attribute
	// is not rendered. Empty means DefaultNameKey; "-" turns naming off.
	NameKey string
	// Default names the logger of records that do not name one; empty
	// means the root logger.
	Default string
}

// Handler returns the slog.Handler bridge: records from log/slog go through
// the tree, to the logger their NameKey attribute names or to o.Default,
// with that logger's level and targets. Safe for concurrent use.
func (t *Tree) Handler(o HandlerOptions) slog.Handler {
	key := o.NameKey
	if key == "" {
		key = DefaultNameKey
	}
	if key == "-" {
		key = ""
	}
	return &handler{l: *t.Get(o.Default), key: key}
}

type handler struct {
	l     Logger
	key   string // "" when records cannot name their logger
	named bool   // the logger is fixed, through WithAttrs or Logger.Handler
}

// Enabled reports whether a record at level might be emitted. While a
// record can still name its logger, the least level of the whole tree
// decides; Handle then checks the named logger's own.
func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	lv := FromSlog(level)
	if h.named || h.key == "" {
		return lv >= Level(h.l.n.gate.Load())
	}
	return lv >= Level(h.l.n.tree.gate.Load())
}

func (h *handler) naming() bool { return !h.named && h.key != "" && h.l.group == "" }

// Handle emits r through the logger it names.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	l := h.l
	var arr [maxAttrsOnStack]slog.Attr
	attrs := arr[:0]
	r.Attrs(func(a slog.Attr) bool {
		if h.naming() && a.Key == h.key && a.Value.Kind() == slog.KindString {
			l.n = l.n.tree.nodeNamedByRecord(a.Value.String())
			return true
		}
		attrs = append(attrs, a)
		return true
	})
	lv := FromSlog(r.Level)
	if lv < Level(l.n.gate.Load()) {
		return nil
	}
	rt := l.n.route.Load()
	rec := Record{
		Time:       r.Time,
		Level:      lv,
		Logger:     l.n.name,
		nameText:   l.n.text,
		Message:    r.Message,
		Bound:      l.bound,
		BoundAttrs: l.battr,
		Group:      l.group,
		Attrs:      attrs,
	}
	if lv >= rt.callerMin {
		rec.PC = r.PC
	}
	if rt.ctx && ctx != nil {
		rec.Token, rec.Task = TokenFrom(ctx), TaskFrom(ctx)
	}
	emit(rt, &rec)
	return nil
}

// WithAttrs returns a handler whose records carry attrs; an attr with the
// name key fixes the logger instead.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	rest := attrs
	if h.naming() {
		rest = nil
		for _, a := range attrs {
			if a.Key == h.key && a.Value.Kind() == slog.KindString {
				c.l.n = h.l.n.tree.nodeNamedByRecord(a.Value.String())
				c.named = true
				continue
			}
			rest = append(rest, a)
		}
	}
	if len(rest) > 0 {
		c.l.bound = appendAttrs(slices.Clip(h.l.bound), 0, h.l.group, rest)
		c.l.battr = bindAttrs(h.l.battr, h.l.group, rest)
	}
	return &c
}

// WithGroup returns a handler that puts later keys under name.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.l.group = h.l.group + name + "."
	return &c
}
