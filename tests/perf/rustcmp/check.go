// Package rustcmp compares meshwasm's Go modules with their Rust twins
// (tests/perf/rust): it checks that each twin behaves like its Go module on
// the same requests, measures both per request interleaved in one run, and
// derives the ratios BENCHMARKS.md shows.
package rustcmp

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	host "github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/tests/perf/workload"
)

// Exchange is one request and the upstream's response.
type Exchange struct {
	Name     string
	Request  [][2]string
	Response [][2]string
}

// Exchanges are the requests the equivalence check sends through both
// modules of a twin: the workload's own, then variations that take each
// filter's other branches (no match, repeated and absent headers, a value
// over regexrepl's length limit, case and query differences).
func Exchanges(f workload.Filter) []Exchange {
	req, resp := f.Request, f.Response
	long := "/banana/" + strings.Repeat("7", 9000)
	return []Exchange{
		{"workload", req, resp},
		{"no match", with(without(req, "x-debug-token"), ":path", "/apple/1?x=1", ":authority", "store.example.com"),
			without(resp, "server")},
		{"repeats", append(with(req, ":path", "/banana/1/banana/2"), [2]string{"x-debug-token", "again"}),
			append(append(clone(resp), [2]string{"server", "second"}), [2]string{"x-served-by", "upstream"})},
		{"absent", append(without(req, ":authority"), [2]string{"x-environment", "dev"}),
			append(clone(resp), [2]string{"x-served-by", "upstream"})},
		{"over the length limit", with(req, ":path", long), resp},
		{"case and query", with(req, ":path", "/banana/0042?q=a%20b&banana=/banana/9", ":authority", "SHOP.example.com"),
			with(resp, ":status", "404")},
	}
}

func clone(hs [][2]string) [][2]string { return append([][2]string(nil), hs...) }

// with sets name/value pairs in a copy of hs, replacing the first value or
// appending.
func with(hs [][2]string, kv ...string) [][2]string {
	out := clone(hs)
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for j := range out {
			if out[j][0] == kv[i] {
				out[j][1] = kv[i+1]
				found = true
				break
			}
		}
		if !found {
			out = append(out, [2]string{kv[i], kv[i+1]})
		}
	}
	return out
}

// without is a copy of hs without name.
func without(hs [][2]string, name string) [][2]string {
	var out [][2]string
	for _, h := range hs {
		if h[0] != name {
			out = append(out, h)
		}
	}
	return out
}

// Observation is what a module did with one exchange, as the host saw it.
type Observation struct {
	Request        [][2]string
	Response       [][2]string
	RequestAction  host.Action
	ResponseAction host.Action
	Local          *host.LocalResponse
	Ends           int
	// Counters are the module's metrics after the exchange (cumulative).
	Counters map[string]uint64
	// Warnings and Errors count what it logged at those levels (cumulative);
	// the wording may differ between the languages, the count may not.
	Warnings int
	Errors   int
}

// Observe starts module with f's configuration in the soak host and sends
// every exchange through it, one after the other.
func Observe(ctx context.Context, f workload.Filter, module []byte, exchanges []Exchange) ([]Observation, error) {
	vm, root, err := host.Start(ctx, module, host.Options{}, "", f.Config)
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	if !root.Started {
		return nil, fmt.Errorf("the plugin refused its configuration: %v", vm.Logs(host.LogError))
	}
	var out []Observation
	for _, ex := range exchanges {
		s, err := vm.Request(root, clone(ex.Request), clone(ex.Response), f.Answer)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ex.Name, err)
		}
		out = append(out, Observation{
			Request: s.Request, Response: s.Response, RequestAction: s.RequestAction, ResponseAction: s.ResponseAction,
			Local: s.Local, Ends: s.Ends(), Counters: vm.Metrics(),
			Warnings: vm.LogCount(host.LogWarn), Errors: vm.LogCount(host.LogError) + vm.LogCount(host.LogCritical),
		})
	}
	return out, nil
}

// Diff lists how the Rust twin's observations differ from the Go module's,
// one line each naming the exchange; none means they behave alike.
func Diff(exchanges []Exchange, goObs, rustObs []Observation) []string {
	var out []string
	if len(goObs) != len(rustObs) {
		return []string{fmt.Sprintf("%d observations of the Go module, %d of the Rust one", len(goObs), len(rustObs))}
	}
	for i := range goObs {
		g, r := goObs[i], rustObs[i]
		name := fmt.Sprint(i)
		if i < len(exchanges) {
			name = exchanges[i].Name
		}
		d := func(what string, gv, rv any) {
			if !reflect.DeepEqual(gv, rv) {
				out = append(out, fmt.Sprintf("%s: %s: Go %v, Rust %v", name, what, gv, rv))
			}
		}
		d("request headers", headerText(g.Request), headerText(r.Request))
		d("response headers", headerText(g.Response), headerText(r.Response))
		d("request action", g.RequestAction, r.RequestAction)
		d("response action", g.ResponseAction, r.ResponseAction)
		d("local response", localText(g.Local), localText(r.Local))
		d("ends", g.Ends, r.Ends)
		d("counters", counterText(g.Counters), counterText(r.Counters))
		d("warnings logged", g.Warnings, r.Warnings)
		d("errors logged", g.Errors, r.Errors)
	}
	return out
}

// headerText shows headers in order, long values clipped, so a difference
// reads on one line.
func headerText(hs [][2]string) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		v := h[1]
		if len(v) > 40 {
			v = fmt.Sprintf("%s...(%d bytes)", v[:40], len(v))
		}
		parts[i] = h[0] + "=" + v
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func localText(l *host.LocalResponse) string {
	if l == nil {
		return "none"
	}
	return fmt.Sprintf("%d %s %s", l.Status, headerText(l.Headers), l.Body)
}

func counterText(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// Check sends the exchanges through both modules and fails, listing every
// difference, unless the Rust twin behaves like the Go module.
func Check(ctx context.Context, f workload.Filter, goModule, rustModule []byte) error {
	ex := Exchanges(f)
	g, err := Observe(ctx, f, goModule, ex)
	if err != nil {
		return fmt.Errorf("%s (Go): %w", f.Name, err)
	}
	r, err := Observe(ctx, f, rustModule, ex)
	if err != nil {
		return fmt.Errorf("%s (Rust): %w", f.Name, err)
	}
	if diffs := Diff(ex, g, r); len(diffs) > 0 {
		return fmt.Errorf("%s: the Rust twin does not behave like the Go module:\n  %s", f.Name, strings.Join(diffs, "\n  "))
	}
	return nil
}
