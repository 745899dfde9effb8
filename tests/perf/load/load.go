// Package load is `make load`: a fixed count of requests over a fixed
// number of concurrent connections, over loopback, through `meshwasm run`
// (the localproxy library) in front of an echo upstream, with a filter's
// module and, as the baseline, with none. It reports requests/s, p50/p99
// latency, errors and lost requests; zero errors and zero lost requests is
// the pass line.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshwasm/meshwasm/build/localproxy"
	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// Params say how much load.
type Params struct {
	Connections int
	Requests    int
	// Warmup requests run first and are not measured.
	Warmup int
	// Timeout bounds one run: the load test stops by itself.
	Timeout time.Duration
}

// Result is one run.
type Result struct {
	Mode        string  `json:"mode"` // "filter" or "no filter"
	Requests    int     `json:"requests"`
	Connections int     `json:"connections"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Errors      int     `json:"errors"`
	// Lost are requests sent that neither the client got an answer to nor
	// the upstream saw, or streams the proxy never ended.
	Lost int `json:"lost"`
	// FirstError is one error, for the report.
	FirstError string `json:"first_error,omitempty"`
}

// Pass is the pass line.
func (r Result) Pass() bool { return r.Errors == 0 && r.Lost == 0 }

// Run measures the filter, then the same proxy with no filter.
func Run(ctx context.Context, f workload.Filter, module []byte, p Params) ([]Result, error) {
	var out []Result
	for _, mode := range []string{"filter", "no filter"} {
		opts := localproxy.Options{Name: f.Name, LogLevel: proxyhost.LogWarn}
		if mode == "filter" {
			opts.Module, opts.Config = module, f.Config
		}
		r, err := runOne(ctx, f, opts, p)
		if err != nil {
			return out, fmt.Errorf("%s: %w", mode, err)
		}
		r.Mode = mode
		out = append(out, r)
	}
	return out, nil
}

// counter counts the requests an upstream received.
type counter struct{ n atomic.Int64 }

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h.ServeHTTP(w, r)
	})
}

func runOne(ctx context.Context, f workload.Filter, opts localproxy.Options, p Params) (Result, error) {
	var upstreamCount counter
	upstream := httptest.NewServer(upstreamCount.wrap(localproxy.Echo()))
	defer upstream.Close()
	var err error
	if opts.Upstream, err = url.Parse(upstream.URL); err != nil {
		return Result{}, err
	}
	// A filter that calls out gets an authorization service that allows,
	// under the cluster name its configuration gives.
	if cluster := clusterOf(opts.Config); cluster != "" {
		answer := workload.Allow(nil)
		if f.Answer != nil {
			answer = f.Answer(&proxyhost.Callout{})
		}
		auth := httptest.NewServer(answerHandler(answer))
		defer auth.Close()
		u, _ := url.Parse(auth.URL)
		opts.Clusters = map[string]*url.URL{cluster: u}
	}
	var logs strings.Builder
	var logMu sync.Mutex
	opts.Log = writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		if logs.Len() < 4096 {
			logs.Write(b)
		}
		return len(b), nil
	})
	srv, err := localproxy.Listen(opts, "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	transport := &http.Transport{
		MaxConnsPerHost:     p.Connections,
		MaxIdleConnsPerHost: p.Connections,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	if p.Warmup > 0 {
		warm := drive(ctx, client, srv.URL(), f.Request, p.Connections, p.Warmup)
		if warm.errors > 0 {
			return Result{}, fmt.Errorf("warm-up: %d errors (%s); proxy log: %s", warm.errors, warm.first, logs.String())
		}
	}
	before := upstreamCount.n.Load()
	begin := time.Now()
	d := drive(ctx, client, srv.URL(), f.Request, p.Connections, p.Requests)
	elapsed := time.Since(begin)
	seen := int(upstreamCount.n.Load() - before)

	r := Result{
		Requests:    p.Requests,
		Connections: p.Connections,
		Seconds:     elapsed.Seconds(),
		PerSecond:   float64(d.ok) / elapsed.Seconds(),
		Errors:      d.errors,
		FirstError:  d.first,
	}
	lat := d.latencies
	slices.Sort(lat)
	if len(lat) > 0 {
		r.P50ms = ms(lat[len(lat)*50/100])
		r.P99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	// Every request answered, every request seen upstream once, every
	// stream ended.
	r.Lost = max(0, p.Requests-d.ok-d.errors) + abs(seen-p.Requests)
	deadline := time.Now().Add(5 * time.Second)
	for srv.Proxy.Live() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	r.Lost += srv.Proxy.Live()
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

type driven struct {
	ok, errors int
	first      string
	latencies  []time.Duration
}

// drive sends n requests from conns workers and waits for every answer.
func drive(ctx context.Context, client *http.Client, base string, request [][2]string, conns, n int) driven {
	var next atomic.Int64
	var mu sync.Mutex
	out := driven{latencies: make([]time.Duration, 0, n)}
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, n/conns+1)
			var ok, bad int
			var first string
			for next.Add(1) <= int64(n) {
				start := time.Now()
				err := once(ctx, client, base, request)
				if err != nil {
					bad++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				ok++
				lat = append(lat, time.Since(start))
			}
			mu.Lock()
			out.ok += ok
			out.errors += bad
			if out.first == "" {
				out.first = first
			}
			out.latencies = append(out.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// once sends the workload's request (its pseudo-headers give the method,
// path and host) and reads the whole answer, which must be a 200.
func once(ctx context.Context, client *http.Client, base string, request [][2]string) error {
	var method, path, host string
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
	if err != nil {
		return err
	}
	for _, h := range request {
		switch h[0] {
		case ":method":
			method = h[1]
		case ":path":
			path = h[1]
		case ":authority":
			host = h[1]
		case ":scheme":
		default:
			req.Header.Add(h[0], h[1])
		}
	}
	if req.URL, err = url.Parse(base + path); err != nil {
		return err
	}
	req.Method, req.Host = method, host
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// clusterOf is the "cluster" key of a JSON configuration, if any.
func clusterOf(config []byte) string {
	var c struct {
		Cluster string `json:"cluster"`
	}
	if len(config) == 0 || json.Unmarshal(config, &c) != nil {
		return ""
	}
	return c.Cluster
}

func answerHandler(a proxyhost.Answer) http.Handler {
	status := http.StatusOK
	for _, h := range a.Headers {
		if n, err := strconv.Atoi(h[1]); h[0] == ":status" && err == nil {
			status = n
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range a.Headers {
			if !strings.HasPrefix(h[0], ":") {
				w.Header().Add(h[0], h[1])
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write(a.Body)
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// ErrFailed is a run below the pass line.
var ErrFailed = errors.New("errors or lost requests")
