package eventlog

import (
	"math"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

//go:generate go tool msgp -file event.go -o event_gen.go -tests=false -io=false

//msgp:tuple Event Attr
//msgp:ignore Value Kind
//msgp:limit arrays:1000 maps:1000 marshal:true

// MaxAttrs is the most attrs an event may have: a longer array is refused
// when written and when read, so that a damaged count cannot make a reader
// allocate gigabytes.
const MaxAttrs = 1000

// Event is one typed record of the gateway: a temperature reading, a
// button press, a request's outcome. Events are kept as msgpack (see
// docs/format.md) so that gateway code can read them back and graph them.
type Event struct {
	// Seq is assigned by the log: strictly increasing.
	Seq uint64 `msg:"seq"`
	// Time is when the event happened, in Unix nanoseconds; the log sets
	// it when zero.
	Time int64 `msg:"time"`
	// Type is hierarchical, "/" or "." separated: "webbrick/CT".
	Type string `msg:"type"`
	// Source names what the event is about: "wb/100/CT/1".
	Source string `msg:"source"`
	// Token is the correlation token of the request that caused it.
	Token string `msg:"token"`
	// Attrs are the event's values, in order.
	Attrs []Attr `msg:"attrs"`
}

// Attr is one key and value of an event.
type Attr struct {
	Key   string `msg:"k"`
	Value Value  `msg:"v"`
}

// Kind is the type of a Value.
type Kind uint8

// The kinds of Value; the zero Value is KindInvalid.
const (
	KindInvalid Kind = iota
	KindInt
	KindFloat
	KindString
	KindBool
)

// Value is an attribute value: an int64, float64, string or bool. It is
// small and comparable; the zero Value is invalid and encodes as nil.
type Value struct {
	kind Kind
	num  uint64
	str  string
}

// Int, Float, String and Bool make Values.
func Int(v int64) Value     { return Value{kind: KindInt, num: uint64(v)} }
func Float(v float64) Value { return Value{kind: KindFloat, num: math.Float64bits(v)} }
func String(v string) Value { return Value{kind: KindString, str: v} }
func Bool(v bool) Value {
	if v {
		return Value{kind: KindBool, num: 1}
	}
	return Value{kind: KindBool}
}

// IntAttr, FloatAttr, StringAttr and BoolAttr make Attrs.
func IntAttr(k string, v int64) Attr     { return Attr{Key: k, Value: Int(v)} }
func FloatAttr(k string, v float64) Attr { return Attr{Key: k, Value: Float(v)} }
func StringAttr(k, v string) Attr        { return Attr{Key: k, Value: String(v)} }
func BoolAttr(k string, v bool) Attr     { return Attr{Key: k, Value: Bool(v)} }

// Kind returns v's kind.
func (v Value) Kind() Kind { return v.kind }

// AsInt returns the value of an int; other kinds give 0.
func (v Value) AsInt() int64 {
	if v.kind != KindInt {
		return 0
	}
	return int64(v.num)
}

// AsFloat returns the value of a float; other kinds give 0.
func (v Value) AsFloat() float64 {
	if v.kind != KindFloat {
		return 0
	}
	return math.Float64frombits(v.num)
}

// AsString returns the value of a string; other kinds give "".
func (v Value) AsString() string { return v.str }

// AsBool returns the value of a bool; other kinds give false.
func (v Value) AsBool() bool { return v.kind == KindBool && v.num != 0 }

// Number returns v as a float64 for ints and floats, for series.
func (v Value) Number() (float64, bool) {
	switch v.kind {
	case KindInt:
		return float64(int64(v.num)), true
	case KindFloat:
		return math.Float64frombits(v.num), true
	}
	return 0, false
}

// String renders v as text: 21.5, 3, on, true.
func (v Value) String() string { return string(v.Append(nil)) }

// Append appends v as text to dst.
func (v Value) Append(dst []byte) []byte {
	switch v.kind {
	case KindInt:
		return strconv.AppendInt(dst, int64(v.num), 10)
	case KindFloat:
		return strconv.AppendFloat(dst, math.Float64frombits(v.num), 'g', -1, 64)
	case KindString:
		return append(dst, v.str...)
	case KindBool:
		return strconv.AppendBool(dst, v.num != 0)
	}
	return dst
}

// MarshalMsg implements msgp.Marshaler: a Value is the plain msgpack int,
// float64, str or bool (nil when invalid).
func (v Value) MarshalMsg(b []byte) ([]byte, error) {
	switch v.kind {
	case KindInt:
		return msgp.AppendInt64(b, int64(v.num)), nil
	case KindFloat:
		return msgp.AppendFloat64(b, math.Float64frombits(v.num)), nil
	case KindString:
		return msgp.AppendString(b, v.str), nil
	case KindBool:
		return msgp.AppendBool(b, v.num != 0), nil
	}
	return msgp.AppendNil(b), nil
}

// UnmarshalMsg implements msgp.Unmarshaler.
func (v *Value) UnmarshalMsg(b []byte) ([]byte, error) {
	var err error
	switch msgp.NextType(b) {
	case msgp.IntType:
		var n int64
		n, b, err = msgp.ReadInt64Bytes(b)
		*v = Int(n)
	case msgp.UintType:
		var n int64
		n, b, err = msgp.ReadInt64Bytes(b) // fails above MaxInt64
		*v = Int(n)
	case msgp.Float64Type, msgp.Float32Type:
		var f float64
		f, b, err = msgp.ReadFloat64Bytes(b)
		*v = Float(f)
	case msgp.StrType:
		var s string
		s, b, err = msgp.ReadStringBytes(b)
		*v = String(s)
	case msgp.BoolType:
		var t bool
		t, b, err = msgp.ReadBoolBytes(b)
		*v = Bool(t)
	case msgp.NilType:
		b, err = msgp.ReadNilBytes(b)
		*v = Value{}
	default:
		return b, msgp.TypeError{Method: msgp.IntType, Encoded: msgp.NextType(b)}
	}
	return b, err
}

// Msgsize implements msgp.Sizer: an upper bound of the encoded size.
func (v Value) Msgsize() int { return 9 + msgp.StringPrefixSize + len(v.str) }
