package cfg

import (
	"strconv"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// Config is a merged and validated configuration: plain values that the
// gwlog runtime applies, with where each came from. A Config is not
// modified after Load returns it; it is safe to share.
type Config struct {
	Runtime Runtime
	// Streams are the profile's streams in the profile's order, then the
	// streams added by files in order of first appearance.
	Streams []Stream
	// Loggers are "root" first, then in order of first appearance.
	Loggers []Logger
	// Forwards are in order of first appearance.
	Forwards []Forward
	// Files are the files read, in order; a missing optional one is left
	// out.
	Files []string
	// Origins tell where each effective setting came from, keyed by
	// "section/key": "runtime/ram_cap", "stream.debug/rotate",
	// "logger.WebBrickGateway.Heating/level". Settings that come from the
	// profile have the zero Origin ("default").
	Origins map[string]Origin
}

// Origin is where a setting was read.
type Origin struct {
	File string // "" for the embedded profile
	Line int
}

// String returns "file:line", or "default" for the embedded profile.
func (o Origin) String() string {
	if o.File == "" {
		return "default"
	}
	return o.File + ":" + strconv.Itoa(o.Line)
}

// Runtime is the [runtime] section.
type Runtime struct {
	Profile  string        // profile: "minimal" or "disk"
	RAMCap   int64         // ram_cap: hard cap on all rings, bytes
	EventRAM int64         // event_ram: the event record ring, bytes, within ram_cap
	Disk     string        // disk: spill directory; "" when "none"
	Force    bool          // disk = PATH force: skip the filesystem check
	DiskCap  int64         // disk_cap: store budget, bytes
	Flush    time.Duration // flush: longest a line waits before spilling
	// FlushUrgent is flush_urgent: longest a line at ERROR or above
	// waits before spilling (never longer than Flush in effect).
	FlushUrgent time.Duration
	// DiskWriteBudget is disk_write_budget: bytes a day the disk path
	// aims to write at most, by spacing its commits; 0 (none): no budget.
	DiskWriteBudget int64
	Reload          time.Duration // reload: how often config files are re-read
	Monitor         time.Duration // monitor: how often a JSON line of counters goes to the monitor stream; 0: never
	MaxLine         int           // max_line: longest line, bytes
	// HTTPToken is http_token: the bearer token every request to the
	// read-back HTTP API must carry; "" (none) leaves a loopback API
	// open and keeps gwlogd off other addresses. It is a secret.
	HTTPToken string
	// Name is name: the gateway's name in what fleet destinations
	// receive (a Loki label, an OTLP resource attribute, an Influx tag);
	// "" means the hostname.
	Name string
}

// Stream is a [stream.NAME] section.
type Stream struct {
	Name     string
	Rotate   ramlog.Rotation // rotate = size N | time UNIT | both UNIT,N | none
	Keep     int             // keep: history segments in RAM
	RAM      int64           // ram: ring bytes; 0 derives it from rotate and keep
	DiskKeep time.Duration   // disk_keep: age kept on disk
	Format   string          // format: a levels pattern, validated
	Level    levels.Level    // level: least level the stream takes
	Compress string          // compress: "" or "gzip": sealed segments are stored gzipped on disk
	// RAMCompress is ram_compress: "gzip" keeps sealed segments
	// compressed in the stream's RAM, so that it holds several times the
	// history; "none" keeps them plain.
	RAMCompress string
	Console     bool // console: yes sends the stream to the screen
	// Dedup is dedup: the window of repeated-message suppression, as
	// syslogd's "last message repeated N times"; 0 (off) keeps every line.
	Dedup time.Duration
}

// Logger is a [logger.NAME] section; NAME is dotted, "root" for the root.
type Logger struct {
	Name  string
	Level levels.Level // level
	// For is how long a temporary level holds ("level = DEBUG for 15m");
	// zero means for good.
	For       time.Duration
	Propagate bool     // propagate: yes by default
	Streams   []string // streams: the logger's own streams
}

// Forward is a [forward.NAME] section.
type Forward struct {
	Name       string
	Type       string       // type: "syslog" (default), "webhook", "loki", "otlp" or "influx"
	To         string       // to: udp://, tcp://, unix:// (syslog) or http(s):// (the others)
	Protocol   string       // protocol: "rfc5424" (default) or "rfc3164"
	Facility   int          // priority = FACILITY.SEVERITY: 0-23
	Severity   int          // 0-7
	Level      levels.Level // level: least level forwarded
	Streams    []string     // streams forwarded
	Queue      int64        // queue: bytes held while the collector is away
	ReplayRate int          // replay_rate: lines per second when catching up
	FailSilent bool         // fail_silent: a failing webhook is not reported
	// Labels is labels: Loki labels beyond gateway and stream, "level"
	// and "logger" (default level).
	Labels []string
	// Events is events: the event type prefixes an influx destination
	// ships; nil means all.
	Events []string
	// Budget is budget: bytes on the wire per BudgetPeriod; 0 is none.
	Budget       int64
	BudgetPeriod time.Duration
	// BudgetLevel is budget_level: the least level still sent past the
	// budget (default ERROR).
	BudgetLevel levels.Level
	// Token is token: sent as a bearer token; a secret, never printed.
	Token string
	// CA is ca: a PEM file of the roots an https:// destination is
	// checked against; "" means the system's.
	CA string
}
