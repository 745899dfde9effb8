package proxyhost_test

import (
	"context"
	"net/http"
	"os"
	"strings"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// A proxy embeds the host: one VM, one plugin, a stream per request, and
// callouts answered by a real HTTP client on its own goroutine.
func Example() {
	module, _ := os.ReadFile("plugin.wasm")
	var vm *proxyhost.VM
	vm, root, err := proxyhost.Start(context.Background(), module, proxyhost.Options{
		Log:      func(e proxyhost.LogEntry) { println(e.Level.String(), e.Message) },
		Clusters: func(name string) bool { return name == "auth" },
		// Dispatch runs with the VM locked: hand the callout to a goroutine.
		Dispatch: func(c *proxyhost.Callout) error {
			go func() {
				path, _ := proxyhost.Header(c.Headers, ":path")
				resp, err := http.Get("http://127.0.0.1:9000" + path)
				if err != nil {
					// Envoy's async client answers an unreachable upstream itself.
					_ = vm.Answer(c, proxyhost.Answer{Headers: [][2]string{{":status", "503"}}})
					return
				}
				defer resp.Body.Close()
				a := proxyhost.Answer{Headers: [][2]string{{":status", resp.Status[:3]}}}
				for k, vs := range resp.Header {
					for _, v := range vs {
						a.Headers = append(a.Headers, [2]string{strings.ToLower(k), v})
					}
				}
				_ = vm.Answer(c, a)
			}()
			return nil
		},
	}, "", []byte(`{"cluster": "auth"}`))
	if err != nil || !root.Started {
		return
	}
	defer vm.Close()

	// One request: its events arrive on a channel.
	events := make(chan proxyhost.Event, 4)
	s, _ := vm.NewStream(root, func(e proxyhost.Event) { events <- e })
	act, _ := vm.RequestHeaders(s, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "example.com"}}, true)
	if act == proxyhost.ActionPause {
		if e := <-events; e.Kind == proxyhost.EventLocalResponse {
			// s.Response holds the local reply's headers; send it and end.
			_ = vm.End(s, proxyhost.EndHTTP)
			return
		}
	}
	// Forward s.Request upstream, then:
	_, _ = vm.ResponseHeaders(s, [][2]string{{":status", "200"}}, true)
	_ = vm.End(s, proxyhost.EndHTTP)
}
