package localproxy

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// ParseLogLevel reads a level name: trace, debug, info, warn, error,
// critical.
func ParseLogLevel(s string) (proxyhost.LogLevel, error) {
	for l := proxyhost.LogTrace; l <= proxyhost.LogCritical; l++ {
		if strings.EqualFold(s, l.String()) {
			return l, nil
		}
	}
	return 0, fmt.Errorf("log level %q: want trace, debug, info, warn, error or critical", s)
}

// moduleLog prints a proxy_log line at or above the chosen level, in the
// shape of Envoy's "wasm log <root_id>: message" lines. It runs with the VM
// locked: it only writes.
func (p *Proxy) moduleLog(e proxyhost.LogEntry) {
	if e.Level < p.opts.LogLevel {
		return
	}
	p.logger.Printf("[%s] wasm log %s: %s", e.Level, e.Root, e.Message)
}

// logWriter takes what the module writes to stdout and stderr (the Go
// runtime's fatal errors) line by line into the log.
type logWriter struct {
	logger *log.Logger
	name   string
}

func (w logWriter) Write(b []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		w.logger.Printf("[stderr] %s: %s", w.name, line)
	}
	return len(b), nil
}
