package proxyhost

import "fmt"

// Status is a proxy-wasm host call result (the ABI's WasmResult).
type Status uint32

// Statuses of proxy-wasm ABI 0.2.x (proxy-wasm-cpp-host include/proxy-wasm/wasm_api_impl.h
// WasmResult).
const (
	StatusOK                  Status = 0
	StatusNotFound            Status = 1
	StatusBadArgument         Status = 2
	StatusSerializationFailed Status = 3
	StatusParseFailure        Status = 4
	StatusBadExpression       Status = 5
	StatusInvalidMemoryAccess Status = 6
	StatusEmpty               Status = 7
	StatusCasMismatch         Status = 8
	StatusResultMismatch      Status = 9
	StatusInternalFailure     Status = 10
	StatusBrokenConnection    Status = 11
	StatusUnimplemented       Status = 12
)

func (s Status) String() string {
	names := [...]string{"Ok", "NotFound", "BadArgument", "SerializationFailure", "ParseFailure",
		"BadExpression", "InvalidMemoryAccess", "Empty", "CasMismatch", "ResultMismatch",
		"InternalFailure", "BrokenConnection", "Unimplemented"}
	if int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("status(%d)", uint32(s))
}

// Action is what an HTTP headers callback returns.
type Action uint32

// Actions (FilterHeadersStatus: 0 continues, anything else stops iteration).
const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)

func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "continue"
	case ActionPause:
		return "pause"
	}
	return fmt.Sprintf("action(%d)", uint32(a))
}

// Direction names one side of a stream (the ABI's WasmStreamType).
type Direction uint32

// Directions.
const (
	Request  Direction = 0
	Response Direction = 1
)

func (d Direction) String() string {
	if d == Request {
		return "request"
	}
	return "response"
}

// LogLevel is the level of a proxy_log line.
type LogLevel uint32

// Log levels of proxy_log.
const (
	LogTrace LogLevel = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
	LogCritical
	numLevels
)

func (l LogLevel) String() string {
	names := [...]string{"trace", "debug", "info", "warn", "error", "critical"}
	if l < numLevels {
		return names[l]
	}
	return fmt.Sprintf("level(%d)", uint32(l))
}

// Header map types of the ABI (WasmHeaderMapType).
const (
	mapRequestHeaders      = 0
	mapRequestTrailers     = 1
	mapResponseHeaders     = 2
	mapResponseTrailers    = 3
	mapCallResponseHeaders = 6
	mapCallResponseTrailer = 7
)

// Buffer types of the ABI (WasmBufferType).
const (
	bufferCallResponseBody = 4
	bufferVMConfiguration  = 6
	bufferPluginConfig     = 7
	bufferMax              = 8
)
