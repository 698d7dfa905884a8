package forward

import (
	"bytes"
	"encoding/binary"

	"github.com/gwlog/gwlog/levels"
)

// The fields of the OpenTelemetry logs protocol (opentelemetry-proto,
// logs/v1/logs.proto and common/v1/common.proto) written here. Only these
// few messages are needed, so they are encoded by hand rather than with a
// protobuf runtime, which would cost the ARM binary far more.
const (
	pbVarint = 0
	pbI64    = 1
	pbLen    = 2

	requestResourceLogs  = 1 // ExportLogsServiceRequest.resource_logs
	resourceLogsResource = 1 // ResourceLogs.resource
	resourceLogsScope    = 2 // ResourceLogs.scope_logs
	resourceAttributes   = 1 // Resource.attributes
	scopeLogsScope       = 1 // ScopeLogs.scope
	scopeLogsRecords     = 2 // ScopeLogs.log_records
	scopeName            = 1 // InstrumentationScope.name
	recordTime           = 1 // LogRecord.time_unix_nano, fixed64
	recordSeverity       = 2 // LogRecord.severity_number
	recordSeverityText   = 3
	recordBody           = 5
	recordAttributes     = 6
	recordObserved       = 11 // LogRecord.observed_time_unix_nano, fixed64
	keyValueKey          = 1
	keyValueValue        = 2
	anyString            = 1 // AnyValue.string_value
)

// otelSeverity is the OpenTelemetry SeverityNumber of a level.
func otelSeverity(lv levels.Level) uint64 {
	switch {
	case lv >= levels.CRITICAL:
		return 21 // FATAL
	case lv >= levels.ERROR:
		return 17
	case lv >= levels.WARNING:
		return 13
	case lv >= levels.INFO:
		return 9
	case lv >= levels.DEBUG:
		return 5
	}
	return 0 // unspecified
}

// appendOTLP appends the request of b to dst: one ResourceLogs with the
// gateway's resource attributes (service.name gwlog, host.name and
// gateway the gateway's name, gwlog.stream), one ScopeLogs per logger in
// order of first appearance, a LogRecord per line with the line as body,
// its time, its severity and its token as attribute "token".
func (s *Shipper) appendOTLP(dst []byte, b *batch) []byte {
	type scope struct {
		name []byte
		idx  []int
	}
	var scopes []scope
	for i := range b.entries {
		e := &b.entries[i]
		name := b.text(e.logger)
		k := -1
		for j := range scopes {
			if bytes.Equal(scopes[j].name, name) {
				k = j
				break
			}
		}
		if k < 0 {
			scopes = append(scopes, scope{name: name})
			k = len(scopes) - 1
		}
		scopes[k].idx = append(scopes[k].idx, i)
	}
	now := uint64(0)
	if len(b.entries) > 0 {
		now = uint64(b.first.UnixNano())
	}
	return pbNested(dst, requestResourceLogs, func(dst []byte) []byte {
		dst = pbNested(dst, resourceLogsResource, func(dst []byte) []byte {
			dst = pbKeyValue(dst, resourceAttributes, "service.name", []byte("gwlog"))
			dst = pbKeyValue(dst, resourceAttributes, "host.name", []byte(s.o.Gateway))
			dst = pbKeyValue(dst, resourceAttributes, "gateway", []byte(s.o.Gateway))
			return pbKeyValue(dst, resourceAttributes, "gwlog.stream", []byte(b.stream))
		})
		for _, sc := range scopes {
			dst = pbNested(dst, resourceLogsScope, func(dst []byte) []byte {
				if len(sc.name) > 0 {
					dst = pbNested(dst, scopeLogsScope, func(dst []byte) []byte {
						return pbBytes(dst, scopeName, sc.name)
					})
				}
				for _, i := range sc.idx {
					e := &b.entries[i]
					dst = pbNested(dst, scopeLogsRecords, func(dst []byte) []byte {
						dst = pbFixed64(dst, recordTime, uint64(e.t))
						if e.known {
							dst = pbTag(dst, recordSeverity, pbVarint)
							dst = binary.AppendUvarint(dst, otelSeverity(e.level))
							dst = pbBytes(dst, recordSeverityText, []byte(e.level.String()))
						}
						dst = pbNested(dst, recordBody, func(dst []byte) []byte {
							return pbBytes(dst, anyString, b.text(e.line))
						})
						if tok := b.text(e.token); len(tok) > 0 {
							dst = pbKeyValue(dst, recordAttributes, "token", tok)
						}
						return pbFixed64(dst, recordObserved, now)
					})
				}
				return dst
			})
		}
		return dst
	})
}

func pbTag(dst []byte, field, wire int) []byte {
	return binary.AppendUvarint(dst, uint64(field)<<3|uint64(wire))
}

func pbBytes(dst []byte, field int, v []byte) []byte {
	dst = pbTag(dst, field, pbLen)
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...)
}

func pbFixed64(dst []byte, field int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(pbTag(dst, field, pbI64), v)
}

// pbKeyValue appends a KeyValue with a string value as field.
func pbKeyValue(dst []byte, field int, key string, v []byte) []byte {
	return pbNested(dst, field, func(dst []byte) []byte {
		dst = pbBytes(dst, keyValueKey, []byte(key))
		return pbNested(dst, keyValueValue, func(dst []byte) []byte { return pbBytes(dst, anyString, v) })
	})
}

// pbNested appends field as a message that fill appends, with its length
// before it: fill writes in place, and the message is moved up when its
// length takes more than the one byte reserved for it.
func pbNested(dst []byte, field int, fill func([]byte) []byte) []byte {
	dst = pbTag(dst, field, pbLen)
	at := len(dst)
	dst = fill(append(dst, 0))
	n := len(dst) - at - 1
	if n < 0x80 {
		dst[at] = byte(n)
		return dst
	}
	var v [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(v[:], uint64(n))
	dst = append(dst, v[:k-1]...)
	copy(dst[at+k:], dst[at+1:at+1+n])
	copy(dst[at:], v[:k])
	return dst
}
