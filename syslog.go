package gwlog

import "github.com/gwlog/gwlog/syslog"

// SyslogHandler returns the handler of the local syslog ingest
// (syslog.ServerOptions.Handle) that logs into the runtime's tree
// (syslog.Handler). Safe for concurrent use.
func (rt *Runtime) SyslogHandler() func(*syslog.Message, []byte, error) {
	return syslog.Handler(rt.tree)
}
