// Package cfg parses, merges and validates gwlog's configuration files
// (log.cfg, the install defaults, and prod.cfg, the site's overrides) into
// a plain Config value that the gwlog runtime applies.
//
// # Basics
//
// Load reads files in order; Parse does the same for contents already in
// memory. The result starts from an embedded profile, "minimal" (RAM only,
// root at WARNING) or "disk" (root at INFO, spilling to a disk), chosen by
// the last [runtime] profile key among the files; Default returns a
// profile as it is. Then each file applies over the previous ones, key by
// key. The syntax is INI, as Python's configparser reads it but stricter:
//
//	# a comment; so is a line starting with ;
//	[runtime]
//	ram_cap = 100MiB            ; an inline comment follows white space
//
//	[stream.debug]              ; stream.NAME, logger.NAME, forward.NAME
//	rotate = size 1MiB
//	dedup = 30s                 ; repeats become "last message repeated N times"
//
//	[logger.WebBrickGateway.Heating]
//	level = DEBUG for 15m       ; back to the configured level after 15m
//
// Keys are case-insensitive. A key set to nothing ("level =") goes back to
// the profile's value. Sections may repeat, within a file and across
// files; a new [stream.NAME], [logger.NAME] or [forward.NAME] adds a
// stream, logger or forward. Sizes take B, KiB, MiB and GiB (KB, MB, GB are
// the same 1024-based units); durations take Go syntax plus d for days;
// booleans yes/no, true/false or on/off. Lists of streams are separated by
// commas, and "none" is the empty list.
//
// A stream's dedup key turns on repeated-message suppression, as syslogd's
// and rsyslog's RepeatedMsgReduction do: when a line is identical to the
// one before it in the stream but for its time stamp, it is counted rather
// than written, and one line "last message repeated N times" (or the line
// itself, when it came only twice) is written when a different line
// arrives, when the window (from the first repeat) has passed, and when
// the runtime closes. "dedup = off" (or 0, or none), the default, keeps
// every line; a window runs from 1s to 1h. See levels.Dedup.
//
// Every problem in every file is reported, not just the first, as Errors:
// one *Error per problem, each naming the file, line, section and key, such
// as
//
//	prod.cfg:12: [stream.debug] rotate: want "size N", "time UNIT", "both UNIT,N" or "none", got "sise 1MiB"
//
// and wrapping one of ErrSyntax, ErrUnknown, ErrDuplicate, ErrValue,
// ErrMissing or ErrReference. Config.Origins tells where each effective
// value came from, and Config.WriteTo prints the effective configuration
// with those origins, in a form Parse reads back.
//
// # Caveats
//
// A value cannot contain # or ; after white space, nor start with one:
// that starts a comment, and there is no quoting. Values do not continue
// on indented lines as in configparser: each line stands alone.
//
// An empty value resets a key; it never means "empty". To give a logger
// none of its own streams, write "streams = none"; likewise "disk = none"
// and "compress = none". So no stream may be named none.
//
// The profile is chosen before anything else is merged, and files that set
// a key override the profile for good: switching to the disk profile in
// prod.cfg changes only the keys that log.cfg leaves to the profile. The
// shipped log.cfg therefore leaves the keys that differ between profiles
// (disk and the root logger's level) commented out.
//
// A bad value is reported even when a later file overrides it. Keys that a
// profile leaves unset, and the keys of sections added by files, take the
// defaults of their type: a stream rotates at 1MiB, keeps 5 segments in
// RAM and 14d on disk, with levels.DefaultPattern and dedup off; a logger
// propagates; a forward is syslog over RFC 5424 with priority user.notice,
// a 4MiB queue, a replay rate of 1000 lines/s and level NOTSET (WARNING
// for a webhook).
package cfg
