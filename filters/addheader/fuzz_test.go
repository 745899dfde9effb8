package main

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/pkg/config"
	"github.com/meshwasm/meshwasm/pkg/headers"
)

// FuzzAddHeader_Config checks that no configuration makes parsing panic, and
// that an accepted one only ever names valid headers with safe values.
func FuzzAddHeader_Config(f *testing.F) {
	for _, s := range []string{
		`{"a": "b"}`, "a=b\nc=1", `{"request": {"set": {"x": "1"}, "remove": ["y"]}}`,
		`{"response": {"add": {"x": 1}}, "request": {}}`, `{"x": {"y": 1}}`, `{":path": "/"}`, "k=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := config.Parse([]byte(raw))
		if err != nil {
			return
		}
		cfg, err := parseConfig(c)
		if err != nil {
			return
		}
		for _, e := range []Edits{cfg.Request, cfg.Response} {
			for _, name := range e.Remove {
				if headers.ValidRegularName(name) != nil {
					t.Fatalf("accepted invalid name %q", name)
				}
			}
			for _, list := range [][]config.Pair{e.Set, e.AddIfAbsent, e.Add} {
				for _, p := range list {
					if headers.ValidRegularName(p.Key) != nil || headers.ValidValue(p.Value) != nil {
						t.Fatalf("accepted invalid header %q: %q", p.Key, p.Value)
					}
				}
			}
		}
	})
}

// FuzzAddHeader_Request sends arbitrary request and response headers through
// a configured filter: it must always continue and never write CR, LF or NUL.
func FuzzAddHeader_Request(f *testing.F) {
	f.Add(":path", "/", "x-a", "1")
	f.Add("x-internal", "a\r\nb", "server", "\x00")
	f.Add("", "", ":status", "")
	f.Add("x-tenant", strings.Repeat("é", 100), "x-served-by", "other")
	const cfg = `{"request": {"remove": ["x-internal"], "set": {"x-env": "prod"}, "add_if_absent": {"x-tenant": "default"}},
		"response": {"remove": ["server"], "add": {"x-served-by": "meshwasm"}}}`
	f.Fuzz(func(t *testing.T, reqName, reqValue, respName, respValue string) {
		opt := proxytest.NewEmulatorOption().WithVMContext(&vm{}).WithPluginConfiguration([]byte(cfg))
		host, reset := proxytest.NewHostEmulator(opt)
		defer reset()
		if host.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := host.InitializeHttpContext()
		req := [][2]string{{":method", "GET"}, {":path", "/"}, {strings.ToLower(reqName), reqValue}}
		if host.CallOnRequestHeaders(id, req, false) != types.ActionContinue {
			t.Fatal("request not continued")
		}
		if host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}, {strings.ToLower(respName), respValue}}, false) != types.ActionContinue {
			t.Fatal("response not continued")
		}
		for _, h := range host.GetCurrentResponseHeaders(id) {
			if h[0] == "x-served-by" && strings.ContainsAny(h[1], "\r\n\x00") && !strings.ContainsAny(respValue, "\r\n\x00") {
				t.Fatalf("filter wrote an unsafe value %q", h[1])
			}
		}
	})
}
