package wasmedit

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// AddStart returns a copy of a Go c-shared (reactor) module that starts
// whichever start export its host calls, any number of times.
//
// Hosts disagree on how to start a module: Envoy's proxy-wasm host
// (proxy-wasm-cpp-host WasmBase::startVm) calls "_initialize" when it is
// exported and "_start" only when it is not; the SDK's test host
// (proxytest.NewWasmVMContext, wazero's defaults) calls "_start" only. Go's
// "_initialize" must run exactly once, before any other export (any other
// export traps with "wasmexport function called before runtime
// initialization", a second run starts a second runtime on the same memory).
//
// AddStart appends a mutable i32 global (0: not started) and one function
//
//	if !started { started = 1; call _initialize }
//
// and exports that function as both "_initialize" and "_start". Both are
// appended at the end of their index spaces, so no existing index changes
// and the code section is copied unchanged but for the new body.
func AddStart(module []byte) ([]byte, error) {
	sections, err := split(module)
	if err != nil {
		return nil, err
	}
	at := map[byte]int{}
	for i, s := range sections {
		if s.id != secCustom {
			at[s.id] = i
		}
	}
	for _, id := range []byte{secType, secFunction, secGlobal, secExport, secCode} {
		if _, ok := at[id]; !ok {
			return nil, fmt.Errorf("module has no section %d (not a module the Go linker wrote?)", id)
		}
	}
	var importedFuncs, importedGlobals uint32
	if i, ok := at[secImport]; ok {
		funcs, globals, err := readImports(sections[i].body)
		if err != nil {
			return nil, fmt.Errorf("import section: %w", err)
		}
		importedFuncs, importedGlobals = uint32(len(funcs)), globals
	}
	funcTypes, err := readU32Vec(sections[at[secFunction]].body)
	if err != nil {
		return nil, fmt.Errorf("function section: %w", err)
	}
	globals, _, err := uleb(sections[at[secGlobal]].body)
	if err != nil {
		return nil, fmt.Errorf("global section: %w", err)
	}
	exports, err := readExports(sections[at[secExport]].body)
	if err != nil {
		return nil, fmt.Errorf("export section: %w", err)
	}

	initIndex := -1
	for i, e := range exports {
		switch {
		case e.name == "_start":
			return nil, errors.New("module already exports _start")
		case e.name == "_initialize" && e.kind == kindFunc:
			initIndex = i
		}
	}
	if initIndex < 0 {
		return nil, errors.New("module does not export _initialize (not built with -buildmode=c-shared?)")
	}
	initFunc := exports[initIndex].index
	if initFunc < importedFuncs || initFunc-importedFuncs >= uint32(len(funcTypes)) {
		return nil, fmt.Errorf("_initialize is function %d, not one the module defines", initFunc)
	}
	initType := funcTypes[initFunc-importedFuncs]
	if ok, err := isNullary(sections[at[secType]].body, initType); err != nil || !ok {
		return nil, fmt.Errorf("_initialize is not of type [] -> [] (type %d)", initType)
	}

	startFunc := importedFuncs + uint32(len(funcTypes))
	flag := importedGlobals + uint32(globals)

	// (global i32 (mut) (i32.const 0))
	global := []byte{0x7f, 0x01, 0x41, 0x00, 0x0b}
	appends := []struct {
		id    byte
		entry []byte
	}{
		{secGlobal, global},
		{secFunction, binary.AppendUvarint(nil, uint64(initType))},
		{secCode, startBody(flag, initFunc)},
	}
	for _, a := range appends {
		body, err := appendToVec(sections[at[a.id]].body, a.entry)
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", a.id, err)
		}
		sections[at[a.id]] = section{id: a.id, body: body}
	}
	exports[initIndex].index = startFunc
	exports = append(exports, export{name: "_start", kind: kindFunc, index: startFunc})
	sections[at[secExport]] = section{id: secExport, body: writeExports(exports)}
	return join(sections), nil
}

// startBody is the code entry of the start function: no locals, then
//
//	global.get $flag  i32.eqz  if  i32.const 1  global.set $flag  call $init  end  end
//
// The flag is set before the call, so a host that re-enters a start export
// from inside the runtime's initialisation cannot start it twice either.
func startBody(flag, init uint32) []byte {
	code := []byte{0x00} // no local declarations
	code = append(code, 0x23)
	code = binary.AppendUvarint(code, uint64(flag))
	code = append(code, 0x45, 0x04, 0x40, 0x41, 0x01, 0x24)
	code = binary.AppendUvarint(code, uint64(flag))
	code = append(code, 0x10)
	code = binary.AppendUvarint(code, uint64(init))
	code = append(code, 0x0b, 0x0b)
	return append(binary.AppendUvarint(nil, uint64(len(code))), code...)
}

// appendToVec returns a vector-shaped section body (count, entries) with one
// more entry.
func appendToVec(body, entry []byte) ([]byte, error) {
	count, n, err := uleb(body)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(make([]byte, 0, len(body)+len(entry)+5), count+1)
	out = append(out, body[n:]...)
	return append(out, entry...), nil
}

func readU32Vec(body []byte) ([]uint32, error) {
	r := &reader{b: body}
	n := r.u32()
	var out []uint32
	for i := uint32(0); i < n && r.err == nil; i++ {
		out = append(out, r.u32())
	}
	return out, r.err
}

// isNullary reports whether type idx of the type section is [] -> [].
func isNullary(body []byte, idx uint32) (bool, error) {
	r := &reader{b: body}
	n := r.u32()
	if idx >= n {
		return false, fmt.Errorf("type %d out of range", idx)
	}
	for i := uint32(0); r.err == nil; i++ {
		if r.u8() != 0x60 {
			r.fail("not a function type")
			break
		}
		params := r.u32()
		r.bytes(params)
		results := r.u32()
		r.bytes(results)
		if i == idx {
			return params == 0 && results == 0, r.err
		}
	}
	return false, r.err
}

type export struct {
	name  string
	kind  byte
	index uint32
}

func readExports(body []byte) ([]export, error) {
	r := &reader{b: body}
	n := r.u32()
	var out []export
	for i := uint32(0); i < n && r.err == nil; i++ {
		out = append(out, export{name: r.name(), kind: r.u8(), index: r.u32()})
	}
	return out, r.err
}

func writeExports(exports []export) []byte {
	out := binary.AppendUvarint(nil, uint64(len(exports)))
	for _, e := range exports {
		out = binary.AppendUvarint(out, uint64(len(e.name)))
		out = append(out, e.name...)
		out = append(out, e.kind)
		out = binary.AppendUvarint(out, uint64(e.index))
	}
	return out
}
