package wasmtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// WithStart returns a copy of a Go c-shared (reactor) module with one more
// export, "_start", naming the same function as "_initialize".
//
// proxytest's wasm runner instantiates modules the way a WASI command is
// run: it calls only "_start". A reactor exports "_initialize" instead, and
// any other export called before it traps with "call _initialize first".
// Envoy itself calls "_initialize"; the alias exists for the test host only.
//
// Only the export section is rewritten (a vector of name, kind, index), so a
// general wasm encoder, which would re-encode and risk every other section,
// is not needed.
func WithStart(module []byte) ([]byte, error) {
	const exportSection = 7
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	pos := 8
	for pos < len(module) {
		id := module[pos]
		size, n, err := readULEB(module[pos+1:])
		if err != nil {
			return nil, fmt.Errorf("section at %d: %w", pos, err)
		}
		start := pos + 1 + n
		end := start + int(size)
		if end > len(module) || end < start {
			return nil, fmt.Errorf("section at %d runs past the end", pos)
		}
		if id != exportSection {
			pos = end
			continue
		}
		body, err := addStartExport(module[start:end])
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(module)+16)
		out = append(out, module[:pos]...)
		out = append(out, exportSection)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
		out = append(out, module[end:]...)
		return out, nil
	}
	return nil, errors.New("module has no export section")
}

// addStartExport returns the export section body with "_start" appended.
func addStartExport(body []byte) ([]byte, error) {
	count, countLen, err := readULEB(body)
	if err != nil {
		return nil, err
	}
	pos := countLen
	var initIndex []byte
	for i := uint64(0); i < count; i++ {
		nameLen, n, err := readULEB(body[pos:])
		if err != nil {
			return nil, err
		}
		pos += n
		if pos+int(nameLen)+1 > len(body) {
			return nil, errors.New("export entry runs past the section")
		}
		name := string(body[pos : pos+int(nameLen)])
		pos += int(nameLen)
		kind := body[pos]
		pos++
		_, n, err = readULEB(body[pos:])
		if err != nil {
			return nil, err
		}
		if name == "_start" {
			return nil, errors.New("module already exports _start")
		}
		if name == "_initialize" && kind == 0 {
			initIndex = body[pos : pos+n]
		}
		pos += n
	}
	if initIndex == nil {
		return nil, errors.New("module does not export _initialize (not a reactor built with -buildmode=c-shared?)")
	}
	out := binary.AppendUvarint(nil, count+1)
	out = append(out, body[countLen:]...)
	out = append(out, byte(len("_start")))
	out = append(out, "_start"...)
	out = append(out, 0) // function
	out = append(out, initIndex...)
	return out, nil
}

// readULEB reads an unsigned LEB128 number (wasm's u32 encoding).
func readULEB(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, errors.New("bad LEB128 number")
	}
	return v, n, nil
}
