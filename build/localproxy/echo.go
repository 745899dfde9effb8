package localproxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// EchoServer is the name the built-in echo upstream gives in its server
// header, so a filter that removes or rewrites server is seen doing it.
const EchoServer = "meshwasm-echo"

// Echo is the built-in upstream: it answers 200 with what it received as
// text: the request line (method, path with query, protocol), the host,
// every header as "name: value" (lower-case, sorted, one line per value),
// then, after a blank line, the request body.
func Echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names := make([]string, 0, len(r.Header))
		for name := range r.Header {
			names = append(names, name)
		}
		sort.Strings(names)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Server", EchoServer)
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "%s %s %s\n", r.Method, r.RequestURI, r.Proto)
		fmt.Fprintf(bw, "host: %s\n", r.Host)
		for _, name := range names {
			for _, v := range r.Header[name] {
				fmt.Fprintf(bw, "%s: %s\n", strings.ToLower(name), v)
			}
		}
		_, _ = bw.WriteString("\n")
		_, _ = io.Copy(bw, r.Body)
		_ = bw.Flush()
	})
}
