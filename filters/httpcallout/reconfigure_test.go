package main

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// reconfigure calls proxy_on_configure again on the running root context
// with a new plugin configuration, as Envoy does when the configuration of a
// loaded plugin changes (the ABI: "called when a plugin loads or when plugin
// configuration changes dynamically"). Streams already created stay alive.
//
// proxytest fixes the configuration when the emulator is created and offers
// no setter, and a second emulator would replace the host the paused streams
// live on. So the emulator's configuration buffer, the one
// proxy_get_buffer_bytes(PluginConfiguration) answers from, is replaced in
// place; the same path serves the native plugin and the wasm module.
func reconfigure(t testing.TB, host proxytest.HostEmulator, cfg string) types.OnPluginStartStatus {
	t.Helper()
	v := reflect.ValueOf(host)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("proxytest's host emulator is a %T, not a pointer to a struct: update reconfigure", host)
	}
	f := v.Elem().FieldByName("pluginConfiguration")
	if !f.IsValid() || f.Type() != reflect.TypeOf([]byte(nil)) {
		t.Fatalf("proxytest's host emulator (%T) keeps no pluginConfiguration []byte: update reconfigure", host)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().SetBytes([]byte(cfg))
	return host.StartPlugin()
}

// TestHttpCallout_ReconfigureKeepsStreamConfig: a request paused on its
// callout is decided under the configuration that was current when its
// stream began, even when the root context is configured again while the
// callout is in flight. A stream begun after the change uses the new one.
func TestHttpCallout_ReconfigureKeepsStreamConfig(t *testing.T) {
	const plain = `{"cluster": "` + cluster + `"}`
	deny := [][2]string{{":status", "200"}, {"content-type", "application/json"}}
	denyBody := []byte(`{"result":{"allow":false}}`)

	t.Run("allow_json_path removed", func(t *testing.T) {
		twin(t, func(t *testing.T, vm types.VMContext) {
			host := mustStart(t, vm, `{"cluster": "`+cluster+`", "allow_json_path": "result.allow"}`)
			old, oldCallout := send(t, host)
			require.Equal(t, types.OnPluginStartStatusOK, reconfigure(t, host, plain), host.GetErrorLogs())
			current, currentCallout := send(t, host)

			host.CallOnHttpCallResponse(oldCallout, deny, nil, denyBody)
			require.Equal(t, uint32(403), answered(t, host, old).StatusCode, "judged by the new configuration")
			host.CallOnHttpCallResponse(currentCallout, deny, nil, denyBody)
			resumed(t, host, current)
			require.Equal(t, [4]uint64{1, 1, 0, 0}, counters(t, host))
		})
	})

	t.Run("fail_open added", func(t *testing.T) {
		twin(t, func(t *testing.T, vm types.VMContext) {
			host := mustStart(t, vm, plain)
			old, oldCallout := send(t, host)
			require.Equal(t, types.OnPluginStartStatusOK,
				reconfigure(t, host, `{"cluster": "`+cluster+`", "fail_open": true}`), host.GetErrorLogs())
			current, currentCallout := send(t, host)

			host.CallOnHttpCallResponse(oldCallout, nil, nil, nil) // reset: no :status
			require.Equal(t, uint32(503), answered(t, host, old).StatusCode, "let through by the new fail_open")
			host.CallOnHttpCallResponse(currentCallout, nil, nil, nil)
			resumed(t, host, current)
			require.Equal(t, [4]uint64{0, 0, 2, 0}, counters(t, host))
		})
	})

	t.Run("copy_response_headers removed", func(t *testing.T) {
		allow := [][2]string{{":status", "200"}, {"x-user", "alice"}}
		twin(t, func(t *testing.T, vm types.VMContext) {
			host := mustStart(t, vm, `{"cluster": "`+cluster+`", "copy_response_headers": ["x-user"]}`)
			old, oldCallout := send(t, host)
			require.Equal(t, types.OnPluginStartStatusOK, reconfigure(t, host, plain), host.GetErrorLogs())
			current, currentCallout := send(t, host)

			host.CallOnHttpCallResponse(oldCallout, allow, nil, nil)
			resumed(t, host, old)
			user, _ := wasmtest.Header(host.GetCurrentRequestHeaders(old), "x-user")
			require.Equal(t, "alice", user, "the client's own x-user went upstream")
			host.CallOnHttpCallResponse(currentCallout, allow, nil, nil)
			resumed(t, host, current)
			user, _ = wasmtest.Header(host.GetCurrentRequestHeaders(current), "x-user")
			require.Equal(t, "mallory", user, "copied although no longer configured")
		})
	})

	t.Run("invalid configuration keeps the old one", func(t *testing.T) {
		twin(t, func(t *testing.T, vm types.VMContext) {
			host := mustStart(t, vm, `{"cluster": "`+cluster+`", "allow_json_path": "result.allow"}`)
			old, oldCallout := send(t, host)
			require.Equal(t, types.OnPluginStartStatusFailed, reconfigure(t, host, `{"cluster": ""}`))
			require.Len(t, host.GetErrorLogs(), 1)
			current, currentCallout := send(t, host)

			host.CallOnHttpCallResponse(oldCallout, deny, nil, denyBody)
			require.Equal(t, uint32(403), answered(t, host, old).StatusCode)
			host.CallOnHttpCallResponse(currentCallout, deny, nil, denyBody)
			require.Equal(t, uint32(403), answered(t, host, current).StatusCode)
			require.Equal(t, [4]uint64{0, 2, 0, 0}, counters(t, host))
		})
	})
}
