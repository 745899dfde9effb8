package proxyhost

import (
	"context"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// hostFunc is one env import: its wasm signature and the method behind it.
type hostFunc struct {
	params []api.ValueType
	call   func(stack []uint64) Status
}

func i32s(n int) []api.ValueType {
	out := make([]api.ValueType, n)
	for i := range out {
		out[i] = api.ValueTypeI32
	}
	return out
}

func u32(x uint64) uint32 { return uint32(x) }

// hostFuncs maps each proxy_* import this host implements to its method.
func (v *VM) hostFuncs() map[string]hostFunc {
	i32 := api.ValueTypeI32
	i64 := api.ValueTypeI64
	return map[string]hostFunc{
		"proxy_log": {i32s(3), func(s []uint64) Status { return v.proxyLog(u32(s[0]), u32(s[1]), u32(s[2])) }},
		"proxy_get_buffer_bytes": {i32s(5), func(s []uint64) Status {
			return v.proxyGetBufferBytes(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]))
		}},
		"proxy_set_buffer_bytes": {i32s(5), func(s []uint64) Status {
			return v.proxySetBufferBytes(u32(s[0]))
		}},
		"proxy_get_header_map_value": {i32s(5), func(s []uint64) Status {
			return v.proxyGetHeaderMapValue(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]))
		}},
		"proxy_get_header_map_pairs": {i32s(3), func(s []uint64) Status {
			return v.proxyGetHeaderMapPairs(u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		"proxy_get_header_map_size": {i32s(2), func(s []uint64) Status {
			return v.proxyGetHeaderMapSize(u32(s[0]), u32(s[1]))
		}},
		"proxy_set_header_map_pairs": {i32s(3), func(s []uint64) Status {
			return v.proxySetHeaderMapPairs(u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		"proxy_add_header_map_value": {i32s(5), func(s []uint64) Status {
			return v.proxyAddHeaderMapValue(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]))
		}},
		"proxy_replace_header_map_value": {i32s(5), func(s []uint64) Status {
			return v.proxyReplaceHeaderMapValue(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]))
		}},
		"proxy_remove_header_map_value": {i32s(3), func(s []uint64) Status {
			return v.proxyRemoveHeaderMapValue(u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		"proxy_continue_stream": {i32s(1), func(s []uint64) Status { return v.proxyContinueStream(u32(s[0])) }},
		"proxy_close_stream":    {i32s(1), func(s []uint64) Status { return v.proxyCloseStream(u32(s[0])) }},
		"proxy_send_local_response": {i32s(8), func(s []uint64) Status {
			return v.proxySendLocalResponse(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]), u32(s[5]), u32(s[6]), u32(s[7]))
		}},
		"proxy_http_call": {i32s(10), func(s []uint64) Status {
			return v.proxyHTTPCall(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]), u32(s[5]), u32(s[6]), u32(s[7]), u32(s[8]), u32(s[9]))
		}},
		"proxy_set_effective_context": {i32s(1), func(s []uint64) Status { return v.proxySetEffectiveContext(u32(s[0])) }},
		"proxy_get_status": {i32s(3), func(s []uint64) Status {
			return v.proxyGetStatus(u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		"proxy_done":                         {nil, func([]uint64) Status { return v.proxyDone() }},
		"proxy_set_tick_period_milliseconds": {i32s(1), func(s []uint64) Status { return v.proxySetTickPeriod(u32(s[0])) }},
		"proxy_define_metric": {i32s(4), func(s []uint64) Status {
			return v.proxyDefineMetric(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]))
		}},
		"proxy_increment_metric": {[]api.ValueType{i32, i64}, func(s []uint64) Status {
			return v.proxyIncrementMetric(u32(s[0]), int64(s[1]))
		}},
		"proxy_record_metric": {[]api.ValueType{i32, i64}, func(s []uint64) Status {
			return v.proxyRecordMetric(u32(s[0]), s[1])
		}},
		"proxy_get_metric": {i32s(2), func(s []uint64) Status { return v.proxyGetMetric(u32(s[0]), u32(s[1])) }},
		"proxy_get_property": {i32s(4), func(s []uint64) Status {
			return v.proxyGetProperty(u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]))
		}},
	}
}

// instantiateEnv defines the "env" host module with every function the
// module imports from it: the implemented ones, and, for the rest, stubs
// with the module's own signature that answer Unimplemented and count the
// call, so every module loads. A module that declares an implemented
// function with another signature is refused.
func (v *VM) instantiateEnv(compiled wazero.CompiledModule) error {
	impl := v.hostFuncs()
	b := v.rt.NewHostModuleBuilder("env")
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod != "env" {
			continue
		}
		hf, ok := impl[name]
		if ok && !slices.Equal(hf.params, def.ParamTypes()) {
			return fmt.Errorf("env.%s: module declares params %v, host has %v", name, def.ParamTypes(), hf.params)
		}
		if !ok {
			hf = hostFunc{params: def.ParamTypes(), call: func([]uint64) Status {
				v.unimplemented[name]++
				return StatusUnimplemented
			}}
		}
		call := hf.call
		results := def.ResultTypes()
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
				st := call(stack)
				if len(results) > 0 {
					stack[0] = uint64(st)
				}
			}), hf.params, results).
			Export(name)
	}
	_, err := b.Instantiate(v.ctx)
	return err
}
