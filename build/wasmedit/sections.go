// Package wasmedit makes the few section-level edits meshwasm's build applies
// to a module the Go linker wrote: a start function any host can call, the
// import list, and the function names of the "name" section.
//
// Why not a general wasm decoder/encoder: github.com/tetratelabs/wabin decodes
// Go's modules but does not re-encode them byte for byte (the Go linker writes
// fixed-width LEB128 sizes, wabin writes minimal ones), so every section would
// change for an edit that touches four. Here a section the edit does not
// touch is copied unchanged, the edits only append, and the output depends
// on the input bytes alone.
package wasmedit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Section ids of the wasm binary format (core spec 5.5.2).
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
)

// Import/export kinds.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
)

var header = []byte("\x00asm\x01\x00\x00\x00")

type section struct {
	id   byte
	body []byte
	raw  []byte // the section as read (id, size, body); nil once edited
}

// split returns a module's sections in order.
func split(module []byte) ([]section, error) {
	if len(module) < len(header) || !bytes.Equal(module[:len(header)], header) {
		return nil, errors.New("not a wasm module (version 1)")
	}
	var out []section
	pos := len(header)
	for pos < len(module) {
		id := module[pos]
		size, n, err := uleb(module[pos+1:])
		if err != nil {
			return nil, fmt.Errorf("section at offset %d: %w", pos, err)
		}
		start := pos + 1 + n
		end := start + int(size)
		if end > len(module) || end < start {
			return nil, fmt.Errorf("section at offset %d runs past the end", pos)
		}
		out = append(out, section{id: id, body: module[start:end], raw: module[pos:end]})
		pos = end
	}
	return out, nil
}

// join writes sections back: an unedited section byte for byte as read, an
// edited one with its size in the minimal LEB128 form.
func join(sections []section) []byte {
	n := len(header)
	for _, s := range sections {
		n += 1 + 5 + len(s.body)
	}
	out := make([]byte, 0, n)
	out = append(out, header...)
	for _, s := range sections {
		if s.raw != nil {
			out = append(out, s.raw...)
			continue
		}
		out = append(out, s.id)
		out = binary.AppendUvarint(out, uint64(len(s.body)))
		out = append(out, s.body...)
	}
	return out
}

// uleb reads an unsigned LEB128 number (the encoding of wasm's u32).
// binary.Uvarint reads exactly that encoding, including the padded forms the
// Go linker writes.
func uleb(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, errors.New("bad LEB128 number")
	}
	return v, n, nil
}

// reader walks a section body.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	v, n, err := uleb(r.b[r.pos:])
	if err != nil || v > 1<<32-1 {
		r.fail("bad u32")
		return 0
	}
	r.pos += n
	return uint32(v)
}

func (r *reader) u8() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	r.pos++
	return r.b[r.pos-1]
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(r.pos)+uint64(n) > uint64(len(r.b)) {
		r.fail("unexpected end")
		return nil
	}
	r.pos += int(n)
	return r.b[r.pos-int(n) : r.pos]
}

func (r *reader) name() string { return string(r.bytes(r.u32())) }

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at offset %d", msg, r.pos)
	}
}

// skipLimits skips a table's or memory's limits.
func (r *reader) skipLimits() {
	flags := r.u8()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

// Import is one imported function, as module and name.
type Import struct {
	Module string
	Name   string
}

func (i Import) String() string { return i.Module + "." + i.Name }

// readImports reads the import section: the imported functions, and how many
// functions and globals the imports add to those index spaces.
func readImports(body []byte) (funcs []Import, globals uint32, err error) {
	r := &reader{b: body}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		mod, name := r.name(), r.name()
		switch r.u8() {
		case kindFunc:
			r.u32()
			funcs = append(funcs, Import{Module: mod, Name: name})
		case kindTable:
			r.u8()
			r.skipLimits()
		case kindMemory:
			r.skipLimits()
		case kindGlobal:
			r.u8()
			r.u8()
			globals++
		default:
			r.fail("unknown import kind")
		}
	}
	return funcs, globals, r.err
}

// Imports lists the functions a module imports, in import order.
func Imports(module []byte) ([]Import, error) {
	sections, err := split(module)
	if err != nil {
		return nil, err
	}
	for _, s := range sections {
		if s.id == secImport {
			funcs, _, err := readImports(s.body)
			return funcs, err
		}
	}
	return nil, nil
}
