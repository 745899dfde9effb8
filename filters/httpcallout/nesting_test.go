package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

const mib = 1 << 20

// memoryInUse returns a measure of the memory behind vm that grows when a
// request's work grows and does not shrink back: for the compiled module,
// the size of its linear memory (which holds its heap and its stack); for
// the native plugin, the bytes the Go runtime has obtained from the system
// (stacks included, which a deep recursion grows).
func memoryInUse(t testing.TB, v types.VMContext) int {
	t.Helper()
	if _, native := v.(*vm); native {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int(m.Sys)
	}
	return linearMemory(t, v)
}

// linearMemory returns the size of the linear memory of the module behind a
// proxytest wasm VM. proxytest does not expose the module, and the guest,
// which has no module name, cannot be looked up by name in the wazero
// runtime; so the runtime's list of module instances is walked by
// reflection (proxytest's vmContext.runtime -> wazero's runtime.store ->
// Store.moduleList). Any change of that shape fails the test: it never
// measures nothing.
func linearMemory(t testing.TB, vm types.VMContext) int {
	t.Helper()
	field := func(v reflect.Value, name string) reflect.Value {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			if v.IsNil() {
				t.Fatalf("reading linear memory: nil before field %s", name)
			}
			v = v.Elem()
		}
		f := v.FieldByName(name)
		if !f.IsValid() {
			t.Fatalf("reading linear memory: %s has no field %s (proxytest or wazero changed: update linearMemory)", v.Type(), name)
		}
		return f
	}
	store := field(field(reflect.ValueOf(vm), "runtime"), "store")
	size, found := 0, 0
	for m := field(store, "moduleList"); !m.IsNil(); m = field(m, "next") {
		mem := field(m, "MemoryInstance")
		if field(m, "ModuleName").String() != "" || mem.IsNil() {
			continue // the host modules: env, wasi_snapshot_preview1
		}
		size = field(mem, "Buffer").Len()
		found++
	}
	if found != 1 {
		t.Fatalf("reading linear memory: %d guest modules with memory in the VM, want 1", found)
	}
	return size
}

// TestHttpCallout_DeepNesting: under allow_json_path, an answer body nested
// deeper than maxJSONDepth, JSON or not, is denied with one warn line,
// without growing memory: the body is never handed to gjson, whose
// validator and search recurse once per level. The VM keeps serving.
func TestHttpCallout_DeepNesting(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "allow_json_path": "result.allow"}`
	allowing := []byte(`{"result":{"allow":true}}`)
	// Bodies are built once, before any measurement.
	big := []byte(`{"result":{"allow":true},"pad":"` + strings.Repeat("x", 1_000_000) + `"}`)
	deep := func(n int) []byte { // valid JSON, allowing, nested n+1 deep
		return []byte(`{"result":{"allow":true},"deep":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	bodies := []struct {
		name string
		body []byte
	}{
		{"a million [", bytes.Repeat([]byte("["), 1_000_000)},
		{"a million {", bytes.Repeat([]byte("{"), 1_000_000)},
		{`200,000 {"a":`, bytes.Repeat([]byte(`{"a":`), 200_000)},
		{"valid JSON 100,000 deep", deep(100_000)},
		{"valid JSON one past the limit", deep(maxJSONDepth)},
	}

	const warmups, settling, rounds = 8, 2, 3
	// The wasm run gets a VM of its own: the shared one carries the heap
	// history of every test before it, and the module's runtime, single
	// threaded, then settles the same way on every run.
	fresh := func(t *testing.T) types.VMContext {
		v, err := wasmtest.NewVM(wasmtest.Module(t, "."))
		require.NoError(t, err)
		t.Cleanup(func() { v.Close() })
		return v
	}
	run := func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		allowed := func(body []byte) {
			t.Helper()
			id, callout := send(t, host)
			host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}}, nil, body)
			resumed(t, host, id)
		}
		denied := func() {
			t.Helper()
			for _, b := range bodies {
				warns := len(host.GetWarnLogs())
				id, callout := send(t, host)
				host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}}, nil, b.body)
				require.Equal(t, uint32(403), answered(t, host, id).StatusCode, b.name)
				logs := host.GetWarnLogs()[warns:]
				require.Len(t, logs, 1, "%s: one warn line", b.name)
				require.Contains(t, logs[0], "deeper than 64", b.name)
				allowed(allowing) // the VM still serves
			}
		}
		// Each read of a body is a fresh allocation of up to 1 MiB, so the
		// module's heap first grows to a working size for such bodies, then
		// holds: a few allowing bodies as large as the deep ones, then a
		// couple of rounds of the deep ones themselves, bring it there.
		for range warmups {
			allowed(big)
		}
		allowed(deep(maxJSONDepth - 1)) // exactly at the limit
		start := memoryInUse(t, vm)
		for range settling {
			denied()
		}
		settled := memoryInUse(t, vm)
		for range rounds {
			denied()
		}
		allowed(big)
		end := memoryInUse(t, vm)
		t.Logf("memory: %+.2f MiB settling, %+.2f MiB over %d more rounds",
			float64(settled-start)/mib, float64(end-settled)/mib, rounds)

		// Before the bound, valid JSON 100,000 deep alone grew linear memory
		// by 33 MiB and a million '[' trapped the module with a stack
		// overflow; now the heap settles within a few body sizes and then
		// does not grow.
		require.LessOrEqual(t, settled-start, 3*mib, "memory grew by %.1f MiB settling", float64(settled-start)/mib)
		require.LessOrEqual(t, end-settled, 1*mib, "memory grew by %.1f MiB once settled", float64(end-settled)/mib)
		n := uint64((settling + rounds) * len(bodies))
		require.Equal(t, [4]uint64{warmups + 2 + n, n, 0, 0}, counters(t, host))
	}
	t.Run("native", func(t *testing.T) { run(t, &vm{}) })
	t.Run("wasm", func(t *testing.T) { run(t, fresh(t)) })
}

// TestHttpCallout_AllowJSONPathBodyTooLarge: a body over maxJSONBody is
// denied unread, with one warn line, as a body nested too deep is.
func TestHttpCallout_AllowJSONPathBodyTooLarge(t *testing.T) {
	const cfg = `{"cluster": "` + cluster + `", "allow_json_path": "result.allow"}`
	body := []byte(`{"result":{"allow":true},"pad":"` + strings.Repeat("x", maxJSONBody) + `"}`)
	twin(t, func(t *testing.T, vm types.VMContext) {
		host := mustStart(t, vm, cfg)
		id, callout := send(t, host)
		host.CallOnHttpCallResponse(callout, [][2]string{{":status", "200"}}, nil, body)
		require.Equal(t, uint32(403), answered(t, host, id).StatusCode)
		logs := host.GetWarnLogs()
		require.Len(t, logs, 1)
		require.Contains(t, logs[0], "larger than 1048576")
	})
}

// TestNestingWithin covers the pre-scan's string and escape handling and its
// limit: only brackets outside strings count.
func TestNestingWithin(t *testing.T) {
	cases := []struct {
		body   string
		within bool
	}{
		{``, true},
		{`{}`, true},
		{`[[[]]]`, true},
		{`[[[[]]]]`, false},
		{`[[[[`, false},
		{`{{{{`, false},
		{`[{"a":[{}]}]`, false},
		{`{"a":"[[[[[[[["}`, true},
		{`{"a":"\"[[[[[[[["}`, true},
		{`{"a":"\\"}[[[[`, false},
		{`{"a":"\\\"[[[[["}`, true},
		{`"[[[[[`, true},
		{`]][[[[[`, false},
		{`[]][[[[`, false},
		{`[[[]][[]]]`, true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.within, nestingWithin([]byte(tc.body), 3), "%q", tc.body)
	}
}

// FuzzNestingWithin: on valid JSON the pre-scan agrees with the depth
// encoding/json's tokenizer sees; on anything it returns without panicking.
func FuzzNestingWithin(f *testing.F) {
	f.Add([]byte(`{"result":{"allow":true}}`))
	f.Add([]byte(`[[["\"[", {"a\\": [1, "]"]}]]]`))
	f.Add(bytes.Repeat([]byte("["), 100))
	f.Add([]byte(`{"a":"\u005b\u005b"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		const limit = 4
		within := nestingWithin(body, limit)
		if !json.Valid(body) {
			return
		}
		depth, deepest := 0, 0
		dec := json.NewDecoder(bytes.NewReader(body))
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			switch tok {
			case json.Delim('['), json.Delim('{'):
				depth++
				deepest = max(deepest, depth)
			case json.Delim(']'), json.Delim('}'):
				depth--
			}
		}
		require.Equal(t, deepest <= limit, within, "depth %d of %q", deepest, body)
	})
}
