//go:build wasip1 && !tinygo

// This file is meshwasm's standard-Go ABI binding for the package
// github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/internal (SDK v0.24.0).
//
// The SDK declares its host calls and callbacks with TinyGo's //export
// comments, which the standard Go toolchain ignores. meshwasm's build adds
// this file to that package with `go build -overlay` (and drops the SDK's
// abi_hostcalls_mock.go from the same build), so the SDK's source is used
// unchanged:
//   - each host call is a //go:wasmimport env proxy_* function with fixed-width
//     parameters (Go's wasm int is 64-bit, the ABI is 32-bit), wrapped in the
//     Proxy* function the SDK calls;
//   - each callback is a //go:wasmexport proxy_on_* function that calls the
//     SDK's own handler and contains any panic, so one bug cannot take the VM
//     down: the panic is logged with its stack and an HTTP stream gets a 500.
//
// It must compile under the SDK's go 1.19 language version.

package internal

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// ---- memory handed to the host --------------------------------------------

// allocated keeps every buffer the host asked for reachable until the host
// call that wanted it returns and the SDK holds a real pointer to it: between
// proxy_on_memory_allocate and that moment the only reference lives in the
// host, which Go's garbage collector cannot see.
var allocated [][]byte

//go:wasmexport proxy_on_memory_allocate
func exportOnMemoryAllocate(size uint32) unsafe.Pointer {
	if size == 0 {
		size = 1
	}
	buf := make([]byte, size)
	allocated = append(allocated, buf)
	return unsafe.Pointer(&buf[0])
}

// takeAllocated turns an address the host wrote back into a Go pointer to the
// buffer allocated for it, and releases the keep-alive list.
func takeAllocated(addr uint32) *byte {
	var found *byte
	for _, buf := range allocated {
		if uint32(uintptr(unsafe.Pointer(&buf[0]))) == addr {
			found = &buf[0]
			break
		}
	}
	for i := range allocated {
		allocated[i] = nil
	}
	allocated = allocated[:0]
	return found
}

func ptr(b *byte) unsafe.Pointer { return unsafe.Pointer(b) }

// ---- host calls ------------------------------------------------------------

//go:wasmimport env proxy_log
func hostLog(level uint32, msg unsafe.Pointer, size uint32) uint32

func ProxyLog(logLevel LogLevel, messageData *byte, messageSize int) Status {
	return Status(hostLog(uint32(logLevel), ptr(messageData), uint32(messageSize)))
}

//go:wasmimport env proxy_send_local_response
func hostSendLocalResponse(status uint32, details unsafe.Pointer, detailsSize uint32, body unsafe.Pointer, bodySize uint32,
	headers unsafe.Pointer, headersSize uint32, grpcStatus int32) uint32

func ProxySendLocalResponse(statusCode uint32, statusCodeDetailData *byte, statusCodeDetailsSize int,
	bodyData *byte, bodySize int, headersData *byte, headersSize int, grpcStatus int32) Status {
	return Status(hostSendLocalResponse(statusCode, ptr(statusCodeDetailData), uint32(statusCodeDetailsSize),
		ptr(bodyData), uint32(bodySize), ptr(headersData), uint32(headersSize), grpcStatus))
}

//go:wasmimport env proxy_get_shared_data
func hostGetSharedData(key unsafe.Pointer, keySize uint32, retData unsafe.Pointer, retSize unsafe.Pointer, retCas unsafe.Pointer) uint32

func ProxyGetSharedData(keyData *byte, keySize int, returnValueData **byte, returnValueSize *int, returnCas *uint32) Status {
	var data, size uint32
	st := hostGetSharedData(ptr(keyData), uint32(keySize), unsafe.Pointer(&data), unsafe.Pointer(&size), unsafe.Pointer(returnCas))
	*returnValueData, *returnValueSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_set_shared_data
func hostSetSharedData(key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32, cas uint32) uint32

func ProxySetSharedData(keyData *byte, keySize int, valueData *byte, valueSize int, cas uint32) Status {
	return Status(hostSetSharedData(ptr(keyData), uint32(keySize), ptr(valueData), uint32(valueSize), cas))
}

//go:wasmimport env proxy_register_shared_queue
func hostRegisterSharedQueue(name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

func ProxyRegisterSharedQueue(nameData *byte, nameSize int, returnID *uint32) Status {
	return Status(hostRegisterSharedQueue(ptr(nameData), uint32(nameSize), unsafe.Pointer(returnID)))
}

//go:wasmimport env proxy_resolve_shared_queue
func hostResolveSharedQueue(vmID unsafe.Pointer, vmIDSize uint32, name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

func ProxyResolveSharedQueue(vmIDData *byte, vmIDSize int, nameData *byte, nameSize int, returnID *uint32) Status {
	return Status(hostResolveSharedQueue(ptr(vmIDData), uint32(vmIDSize), ptr(nameData), uint32(nameSize), unsafe.Pointer(returnID)))
}

//go:wasmimport env proxy_dequeue_shared_queue
func hostDequeueSharedQueue(queueID uint32, retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyDequeueSharedQueue(queueID uint32, returnValueData **byte, returnValueSize *int) Status {
	var data, size uint32
	st := hostDequeueSharedQueue(queueID, unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnValueData, *returnValueSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_enqueue_shared_queue
func hostEnqueueSharedQueue(queueID uint32, value unsafe.Pointer, valueSize uint32) uint32

func ProxyEnqueueSharedQueue(queueID uint32, valueData *byte, valueSize int) Status {
	return Status(hostEnqueueSharedQueue(queueID, ptr(valueData), uint32(valueSize)))
}

//go:wasmimport env proxy_get_header_map_value
func hostGetHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyGetHeaderMapValue(mapType MapType, keyData *byte, keySize int, returnValueData **byte, returnValueSize *int) Status {
	var data, size uint32
	st := hostGetHeaderMapValue(uint32(mapType), ptr(keyData), uint32(keySize), unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnValueData, *returnValueSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_add_header_map_value
func hostAddHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

func ProxyAddHeaderMapValue(mapType MapType, keyData *byte, keySize int, valueData *byte, valueSize int) Status {
	return Status(hostAddHeaderMapValue(uint32(mapType), ptr(keyData), uint32(keySize), ptr(valueData), uint32(valueSize)))
}

//go:wasmimport env proxy_replace_header_map_value
func hostReplaceHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

func ProxyReplaceHeaderMapValue(mapType MapType, keyData *byte, keySize int, valueData *byte, valueSize int) Status {
	return Status(hostReplaceHeaderMapValue(uint32(mapType), ptr(keyData), uint32(keySize), ptr(valueData), uint32(valueSize)))
}

//go:wasmimport env proxy_remove_header_map_value
func hostRemoveHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32) uint32

func ProxyRemoveHeaderMapValue(mapType MapType, keyData *byte, keySize int) Status {
	return Status(hostRemoveHeaderMapValue(uint32(mapType), ptr(keyData), uint32(keySize)))
}

//go:wasmimport env proxy_get_header_map_pairs
func hostGetHeaderMapPairs(mapType uint32, retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyGetHeaderMapPairs(mapType MapType, returnValueData **byte, returnValueSize *int) Status {
	var data, size uint32
	st := hostGetHeaderMapPairs(uint32(mapType), unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnValueData, *returnValueSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_set_header_map_pairs
func hostSetHeaderMapPairs(mapType uint32, data unsafe.Pointer, size uint32) uint32

func ProxySetHeaderMapPairs(mapType MapType, mapData *byte, mapSize int) Status {
	return Status(hostSetHeaderMapPairs(uint32(mapType), ptr(mapData), uint32(mapSize)))
}

//go:wasmimport env proxy_get_buffer_bytes
func hostGetBufferBytes(bufferType uint32, start uint32, maxSize uint32, retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyGetBufferBytes(bufferType BufferType, start int, maxSize int, returnBufferData **byte, returnBufferSize *int) Status {
	var data, size uint32
	st := hostGetBufferBytes(uint32(bufferType), uint32(start), uint32(maxSize), unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnBufferData, *returnBufferSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_set_buffer_bytes
func hostSetBufferBytes(bufferType uint32, start uint32, maxSize uint32, data unsafe.Pointer, size uint32) uint32

func ProxySetBufferBytes(bufferType BufferType, start int, maxSize int, bufferData *byte, bufferSize int) Status {
	return Status(hostSetBufferBytes(uint32(bufferType), uint32(start), uint32(maxSize), ptr(bufferData), uint32(bufferSize)))
}

//go:wasmimport env proxy_continue_stream
func hostContinueStream(streamType uint32) uint32

func ProxyContinueStream(streamType StreamType) Status {
	return Status(hostContinueStream(uint32(streamType)))
}

//go:wasmimport env proxy_close_stream
func hostCloseStream(streamType uint32) uint32

func ProxyCloseStream(streamType StreamType) Status {
	return Status(hostCloseStream(uint32(streamType)))
}

//go:wasmimport env proxy_http_call
func hostHttpCall(upstream unsafe.Pointer, upstreamSize uint32, headers unsafe.Pointer, headersSize uint32,
	body unsafe.Pointer, bodySize uint32, trailers unsafe.Pointer, trailersSize uint32, timeout uint32, retID unsafe.Pointer) uint32

func ProxyHttpCall(upstreamData *byte, upstreamSize int, headerData *byte, headerSize int,
	bodyData *byte, bodySize int, trailersData *byte, trailersSize int, timeout uint32, calloutIDPtr *uint32,
) Status {
	return Status(hostHttpCall(ptr(upstreamData), uint32(upstreamSize), ptr(headerData), uint32(headerSize),
		ptr(bodyData), uint32(bodySize), ptr(trailersData), uint32(trailersSize), timeout, unsafe.Pointer(calloutIDPtr)))
}

//go:wasmimport env proxy_call_foreign_function
func hostCallForeignFunction(name unsafe.Pointer, nameSize uint32, param unsafe.Pointer, paramSize uint32,
	retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyCallForeignFunction(funcNamePtr *byte, funcNameSize int, paramPtr *byte, paramSize int, returnData **byte, returnSize *int) Status {
	var data, size uint32
	st := hostCallForeignFunction(ptr(funcNamePtr), uint32(funcNameSize), ptr(paramPtr), uint32(paramSize),
		unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnData, *returnSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_set_tick_period_milliseconds
func hostSetTickPeriodMilliseconds(period uint32) uint32

func ProxySetTickPeriodMilliseconds(period uint32) Status {
	return Status(hostSetTickPeriodMilliseconds(period))
}

//go:wasmimport env proxy_set_effective_context
func hostSetEffectiveContext(contextID uint32) uint32

func ProxySetEffectiveContext(contextID uint32) Status {
	return Status(hostSetEffectiveContext(contextID))
}

//go:wasmimport env proxy_done
func hostDone() uint32

func ProxyDone() Status { return Status(hostDone()) }

//go:wasmimport env proxy_define_metric
func hostDefineMetric(metricType uint32, name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

func ProxyDefineMetric(metricType MetricType, metricNameData *byte, metricNameSize int, returnMetricIDPtr *uint32) Status {
	return Status(hostDefineMetric(uint32(metricType), ptr(metricNameData), uint32(metricNameSize), unsafe.Pointer(returnMetricIDPtr)))
}

//go:wasmimport env proxy_increment_metric
func hostIncrementMetric(metricID uint32, offset int64) uint32

func ProxyIncrementMetric(metricID uint32, offset int64) Status {
	return Status(hostIncrementMetric(metricID, offset))
}

//go:wasmimport env proxy_record_metric
func hostRecordMetric(metricID uint32, value uint64) uint32

func ProxyRecordMetric(metricID uint32, value uint64) Status {
	return Status(hostRecordMetric(metricID, value))
}

//go:wasmimport env proxy_get_metric
func hostGetMetric(metricID uint32, retValue unsafe.Pointer) uint32

func ProxyGetMetric(metricID uint32, returnMetricValue *uint64) Status {
	return Status(hostGetMetric(metricID, unsafe.Pointer(returnMetricValue)))
}

//go:wasmimport env proxy_get_property
func hostGetProperty(path unsafe.Pointer, pathSize uint32, retData unsafe.Pointer, retSize unsafe.Pointer) uint32

func ProxyGetProperty(pathData *byte, pathSize int, returnValueData **byte, returnValueSize *int) Status {
	var data, size uint32
	st := hostGetProperty(ptr(pathData), uint32(pathSize), unsafe.Pointer(&data), unsafe.Pointer(&size))
	*returnValueData, *returnValueSize = takeAllocated(data), int(size)
	return Status(st)
}

//go:wasmimport env proxy_set_property
func hostSetProperty(path unsafe.Pointer, pathSize uint32, value unsafe.Pointer, valueSize uint32) uint32

func ProxySetProperty(pathData *byte, pathSize int, valueData *byte, valueSize int) Status {
	return Status(hostSetProperty(ptr(pathData), uint32(pathSize), ptr(valueData), uint32(valueSize)))
}

// ---- registration in main() -------------------------------------------------

// A c-shared module runs package init functions but never main. Filters
// written for TinyGo register their VM context in main, so main.main runs
// once, before the first callback, when no init registered a context.
//
//go:linkname userMain main.main
func userMain()

var mainChecked bool

func runMainOnce() {
	if mainChecked {
		return
	}
	mainChecked = true
	if currentState.vmContext == nil {
		userMain()
	}
}

// ---- memory defaults --------------------------------------------------------

// defaultGCPercent is the module's GOGC unless the operator sets GOGC in the
// VM's environment (Envoy's vm_config.environment_variables, Istio's
// WasmPlugin vmConfig.env), which the runtime has read before this runs.
//
// Envoy runs one VM per worker thread and linear memory never shrinks, so a
// module's peak heap is paid for by every worker for the life of the VM. With
// Go's default (100) the heap grows to 4 MiB before the first collection;
// 25 collects at about 1 MiB. The live heap of a filter is small (its
// configuration and the streams in flight), so each collection is short.
// No memory limit is set by default: a GOMEMLIMIT under what the runtime
// needs makes it collect continuously while linear memory still grows.
const defaultGCPercent = 25

// gcBudget drives the module's own collector (collectOnBudget). GOGC alone
// cannot keep a small heap: the runtime lets the heap grow at least 1 MiB
// past the live heap before its next cycle (sweepMinHeapDistance in
// runtime/mgcpacer.go), and in a module the mark phase advances only while a
// callback allocates, so a cycle ends well past its goal; linear memory keeps
// that peak, in 512 KiB arenas. Collecting after every 256 KiB allocated keeps
// the three shipped filters at 4.0-4.3 MiB after 1M requests instead of
// 4.5-5.5. A cycle costs about a quarter of a millisecond in a module whatever
// the heap, so the price follows the allocation rate (BENCHMARKS.md, make
// gctrade).
const gcBudget = 256 << 10

// gcIdleFloor and gcIdleEnds drive the collector's second trigger. The heap
// takes linear memory 512 KiB at a time and never gives it back, so for a
// filter that allocates little per request a cycle before the heap's free
// pages run out saves the next 512 KiB for good: the module collects when
// at most gcIdleFloor bytes of its heap pages are free, if at least
// gcIdleEnds streams ended since the last cycle (at most one cycle per 512
// requests, about 0.5 µs a request). A filter that allocates more than the
// free pages in 512 requests grows the heap anyway and the budget alone paces
// it. A cycle that leaves the free pages at the floor (the live heap fills
// them) stops this trigger until the heap has grown.
const (
	gcIdleFloor = 96 << 10
	gcIdleEnds  = 512
)

// gcByBudget is off when the operator sets GOGC or GOMEMLIMIT: theirs wins.
var gcByBudget bool

func init() {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if !gogc {
		debug.SetGCPercent(defaultGCPercent)
	}
	gcByBudget = !gogc && !limit
}

// The collector's state: stream ends until the next look at the allocation
// counter, and that counter at the last look and at the last cycle.
var (
	gcUntilCheck   = 1
	gcEnds         int    // stream ends since the last look
	gcEndsSinceGC  int    // stream ends since the last cycle seen
	gcAllocsLooked uint64 // MemStats.TotalAlloc at the last look
	gcAllocsAtGC   uint64 // MemStats.TotalAlloc at the last cycle seen
	gcCyclesSeen   uint32 // MemStats.NumGC then
	gcIdleFull     uint64 // MemStats.HeapSys when a cycle freed too little; 0: the idle trigger is on
)

// collectOnBudget runs at the end of every context (proxy_on_delete, which
// Envoy calls once per stream: Context::onDelete). Now and then it reads the
// allocation counter and collects once gcBudget bytes were allocated since
// the last cycle, whoever ran it, or when the heap's free pages run low (see
// gcIdleFloor). ReadMemStats stops the world (several microseconds in a
// module), so the next look is spaced by the allocation rate seen: about when
// the budget or the free pages would run out, between 8 and 4096 stream ends.
// A filter that allocates nothing per request looks every 4096 ends and never
// collects.
func collectOnBudget() {
	if !gcByBudget {
		return
	}
	gcEnds++
	gcEndsSinceGC++
	if gcUntilCheck--; gcUntilCheck > 0 {
		return
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	perEnd := (m.TotalAlloc-gcAllocsLooked)/uint64(gcEnds) + 1
	if gcIdleFull != 0 && m.HeapSys > gcIdleFull {
		gcIdleFull = 0 // the heap grew: it has free pages to keep again
	}
	switch {
	case m.NumGC != gcCyclesSeen:
		gcCyclesSeen, gcAllocsAtGC, gcEndsSinceGC = m.NumGC, m.TotalAlloc, 0
	case m.TotalAlloc-gcAllocsAtGC >= gcBudget:
		collect(&m)
	case gcIdleFull == 0 && m.HeapIdle <= gcIdleFloor && gcEndsSinceGC >= gcIdleEnds:
		collect(&m)
		if m.HeapIdle <= gcIdleFloor {
			gcIdleFull = m.HeapSys
		}
	}
	gcEnds, gcAllocsLooked = 0, m.TotalAlloc
	left := uint64(gcBudget)
	if used := m.TotalAlloc - gcAllocsAtGC; used < left {
		left -= used
	}
	if gcIdleFull == 0 && m.HeapIdle > gcIdleFloor && m.HeapIdle-gcIdleFloor < left {
		left = m.HeapIdle - gcIdleFloor
	}
	next := left / perEnd
	if wait := gcIdleEnds - gcEndsSinceGC; gcIdleFull == 0 && m.HeapIdle <= gcIdleFloor && wait > 0 && uint64(wait) < next {
		next = uint64(wait)
	}
	if next < 8 {
		next = 8
	} else if next > 4096 {
		next = 4096
	}
	gcUntilCheck = int(next)
}

// collect runs a cycle and reads the counters after it into m.
func collect(m *runtime.MemStats) {
	runtime.GC()
	runtime.ReadMemStats(m)
	gcCyclesSeen, gcAllocsAtGC, gcEndsSinceGC = m.NumGC, m.TotalAlloc, 0
}

// ---- panic containment -----------------------------------------------------

// contain logs a recovered panic with its stack at error level; the caller
// then ends its stream safely.
func contain(callback string, contextID uint32, recovered interface{}) {
	msg := fmt.Sprintf("meshwasm: panic in %s (context %d): %v\n%s", callback, contextID, recovered, debug.Stack())
	ProxyLog(LogLevelError, StringBytePtr(msg), len(msg))
}

// guard contains a panic in a callback. Each callback defers it directly, as
// recover only stops a panic when the deferred function itself calls it. It
// logs the panic with its stack, runs end (if any) to end the stream safely,
// and sets *result (if any) to onPanic: what the callback returns to the host.
func guard(callback string, contextID uint32, result *uint32, onPanic uint32, end func()) {
	r := recover()
	if r == nil {
		return
	}
	contain(callback, contextID, r)
	if end != nil {
		end()
	}
	if result != nil {
		*result = onPanic
	}
}

// closeDownstream and closeUpstream end a TCP stream after a panic.
func closeDownstream() { ProxyCloseStream(StreamTypeDownstream) }
func closeUpstream()   { ProxyCloseStream(StreamTypeUpstream) }

// failHttpStream answers the current HTTP stream with a 500 after a panic.
func failHttpStream() {
	const body = "internal error in wasm filter"
	const details = "wasm_filter_panic"
	headers := SerializeMap([][2]string{{"content-type", "text/plain"}})
	ProxySendLocalResponse(500, StringBytePtr(details), len(details), StringBytePtr(body), len(body),
		&headers[0], len(headers), -1)
}

func flag(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ---- callbacks -------------------------------------------------------------

//go:wasmexport proxy_abi_version_0_2_0
func exportABIVersion() { proxyABIVersion() }

//go:wasmexport proxy_on_vm_start
func exportOnVMStart(rootContextID uint32, vmConfigurationSize uint32) (ok uint32) {
	defer guard("proxy_on_vm_start", rootContextID, &ok, 0, nil)
	runMainOnce()
	return flag(bool(proxyOnVMStart(rootContextID, int(vmConfigurationSize))))
}

//go:wasmexport proxy_on_configure
func exportOnConfigure(pluginContextID uint32, pluginConfigurationSize uint32) (ok uint32) {
	defer guard("proxy_on_configure", pluginContextID, &ok, 0, nil)
	runMainOnce()
	return flag(bool(proxyOnConfigure(pluginContextID, int(pluginConfigurationSize))))
}

//go:wasmexport proxy_on_context_create
func exportOnContextCreate(contextID uint32, pluginContextID uint32) {
	defer guard("proxy_on_context_create", contextID, nil, 0, nil)
	runMainOnce()
	proxyOnContextCreate(contextID, pluginContextID)
}

//go:wasmexport proxy_on_log
func exportOnLog(contextID uint32) {
	defer guard("proxy_on_log", contextID, nil, 0, nil)
	proxyOnLog(contextID)
}

//go:wasmexport proxy_on_done
func exportOnDone(contextID uint32) (done uint32) {
	defer guard("proxy_on_done", contextID, &done, 1, nil)
	return flag(proxyOnDone(contextID))
}

//go:wasmexport proxy_on_delete
func exportOnDelete(contextID uint32) {
	defer guard("proxy_on_delete", contextID, nil, 0, nil)
	proxyOnDelete(contextID)
	collectOnBudget()
}

//go:wasmexport proxy_on_queue_ready
func exportOnQueueReady(contextID uint32, queueID uint32) {
	defer guard("proxy_on_queue_ready", contextID, nil, 0, nil)
	proxyOnQueueReady(contextID, queueID)
}

//go:wasmexport proxy_on_tick
func exportOnTick(pluginContextID uint32) {
	defer guard("proxy_on_tick", pluginContextID, nil, 0, nil)
	proxyOnTick(pluginContextID)
}

//go:wasmexport proxy_on_request_headers
func exportOnRequestHeaders(contextID uint32, numHeaders uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_request_headers", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnRequestHeaders(contextID, int(numHeaders), endOfStream != 0))
}

//go:wasmexport proxy_on_request_body
func exportOnRequestBody(contextID uint32, bodySize uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_request_body", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnRequestBody(contextID, int(bodySize), endOfStream != 0))
}

//go:wasmexport proxy_on_request_trailers
func exportOnRequestTrailers(contextID uint32, numTrailers uint32) (action uint32) {
	defer guard("proxy_on_request_trailers", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnRequestTrailers(contextID, int(numTrailers)))
}

//go:wasmexport proxy_on_response_headers
func exportOnResponseHeaders(contextID uint32, numHeaders uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_response_headers", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnResponseHeaders(contextID, int(numHeaders), endOfStream != 0))
}

//go:wasmexport proxy_on_response_body
func exportOnResponseBody(contextID uint32, bodySize uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_response_body", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnResponseBody(contextID, int(bodySize), endOfStream != 0))
}

//go:wasmexport proxy_on_response_trailers
func exportOnResponseTrailers(contextID uint32, numTrailers uint32) (action uint32) {
	defer guard("proxy_on_response_trailers", contextID, &action, uint32(types.ActionPause), failHttpStream)
	return uint32(proxyOnResponseTrailers(contextID, int(numTrailers)))
}

//go:wasmexport proxy_on_http_call_response
func exportOnHttpCallResponse(pluginContextID uint32, calloutID uint32, numHeaders uint32, bodySize uint32, numTrailers uint32) {
	// The SDK made the paused stream the effective context before
	// calling the filter, so the 500 ends that stream.
	defer guard("proxy_on_http_call_response", pluginContextID, nil, 0, failHttpStream)
	proxyOnHttpCallResponse(pluginContextID, calloutID, int(numHeaders), int(bodySize), int(numTrailers))
}

//go:wasmexport proxy_on_new_connection
func exportOnNewConnection(contextID uint32) (action uint32) {
	defer guard("proxy_on_new_connection", contextID, &action, uint32(types.ActionPause), closeDownstream)
	return uint32(proxyOnNewConnection(contextID))
}

//go:wasmexport proxy_on_downstream_data
func exportOnDownstreamData(contextID uint32, dataSize uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_downstream_data", contextID, &action, uint32(types.ActionPause), closeDownstream)
	return uint32(proxyOnDownstreamData(contextID, int(dataSize), endOfStream != 0))
}

//go:wasmexport proxy_on_downstream_connection_close
func exportOnDownstreamConnectionClose(contextID uint32, peerType uint32) {
	defer guard("proxy_on_downstream_connection_close", contextID, nil, 0, nil)
	proxyOnDownstreamConnectionClose(contextID, types.PeerType(peerType))
}

//go:wasmexport proxy_on_upstream_data
func exportOnUpstreamData(contextID uint32, dataSize uint32, endOfStream uint32) (action uint32) {
	defer guard("proxy_on_upstream_data", contextID, &action, uint32(types.ActionPause), closeUpstream)
	return uint32(proxyOnUpstreamData(contextID, int(dataSize), endOfStream != 0))
}

//go:wasmexport proxy_on_upstream_connection_close
func exportOnUpstreamConnectionClose(contextID uint32, peerType uint32) {
	defer guard("proxy_on_upstream_connection_close", contextID, nil, 0, nil)
	proxyOnUpstreamConnectionClose(contextID, types.PeerType(peerType))
}
