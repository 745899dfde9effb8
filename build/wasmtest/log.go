package wasmtest

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"
)

// maxLogLine is the longest log line a test host prints whole.
const maxLogLine = 4096

var limitLogOnce sync.Once

// limitLog makes the standard logger, which proxytest prints every module
// log line and callout through, shorten lines past maxLogLine. A request
// value of 70 KB printed whole makes `go test -json` lose the test's result
// lines (test2json cuts long lines), so gotestsum reports a passing test as
// failed "(unknown)".
func limitLog() {
	limitLogOnce.Do(func() { log.SetOutput(&lineLimiter{w: os.Stderr, max: maxLogLine}) })
}

// lineLimiter shortens each write (the log package writes one line at a
// time) to max bytes, saying how long it was.
type lineLimiter struct {
	w   io.Writer
	max int
}

func (l *lineLimiter) Write(p []byte) (int, error) {
	if len(p) <= l.max {
		return l.w.Write(p)
	}
	if _, err := fmt.Fprintf(l.w, "%s... [%d bytes, shortened]\n", p[:l.max], len(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
