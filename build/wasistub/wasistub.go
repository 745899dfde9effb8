// Package wasistub rewrites a Go source file of the standard library so that
// chosen WASI functions it imports become Go functions returning ENOSYS.
//
// An Envoy older than 1.38 refuses to load a module that imports a WASI
// function its proxy-wasm host lacks, and Go's os and net packages import
// several (fd_pread, sock_accept, ...) as soon as they are linked, whether or
// not a filter ever calls them. meshwasm's build hands the rewritten files to
// `go build -overlay`, so the module is compiled without those imports.
//
// Why source and not the compiled module: turning an import into a local
// function in the wasm binary shifts every function index, so every call
// instruction and table entry of the code section would have to be
// renumbered; a source rewrite is a few lines per function, needs no wasm
// decoder, and gives the same bytes for the same input.
package wasistub

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
)

// Module is the WASI import module rewritten here.
const Module = "wasi_snapshot_preview1"

// ENOSYS is WASI's errno for "function not supported"; it is also what
// proxy-wasm-cpp-host's own stubs of these functions return, and what Go's
// syscall.ENOSYS is on wasip1.
const ENOSYS = 52

const directive = "//go:wasmimport " + Module + " "

// Func is one stubbed function: its WASI name and its Go name in the file.
type Func struct {
	WASI string
	Go   string
}

// Mentions reports, cheaply, whether src may declare a WASI import: only such
// files are parsed.
func Mentions(src []byte) bool { return strings.Contains(string(src), directive) }

// Rewrite returns src with every body-less function declared
// `//go:wasmimport wasi_snapshot_preview1 NAME`, for a NAME stub(NAME)
// accepts, given the body `{ return 52 }`, marked //go:noinline and without
// its wasmimport and noescape directives (Go refuses //go:noescape on a
// function with a body).
// Everything else keeps its bytes and line numbers. It returns the stubbed
// functions, or nil and src unchanged when there are none.
func Rewrite(filename string, src []byte, stub func(name string) bool) ([]byte, []Func, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, err
	}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	var funcs []Func
	offset := func(p token.Pos) int { return fset.Position(p).Offset }
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body != nil || fn.Doc == nil || fn.Recv != nil {
			continue
		}
		var name string
		var directives []*ast.Comment
		for _, c := range fn.Doc.List {
			switch {
			case strings.HasPrefix(c.Text, directive):
				name = strings.TrimSpace(strings.TrimPrefix(c.Text, directive))
				directives = append(directives, c)
			case c.Text == "//go:noescape":
				directives = append(directives, c)
			}
		}
		if name == "" || !stub(name) {
			continue
		}
		res := fn.Type.Results
		if res == nil || res.NumFields() != 1 {
			return nil, nil, fmt.Errorf("%s: %s: cannot stub a WASI import without exactly one (errno) result",
				fset.Position(fn.Pos()), fn.Name.Name)
		}
		for _, c := range directives {
			// The wasmimport line becomes //go:noinline: a stub inlined into
			// its callers would leave no function of its name in the module,
			// and the build reports the stubs the linker kept by that name.
			// Other directives become "//", keeping every line number.
			text := "//"
			if strings.HasPrefix(c.Text, directive) {
				text = "//go:noinline"
			}
			edits = append(edits, edit{offset(c.Pos()), offset(c.End()), text})
		}
		edits = append(edits, edit{offset(fn.Type.End()), offset(fn.Type.End()),
			fmt.Sprintf(" { return %d } // %s.%s: not provided by the target host (ENOSYS)", ENOSYS, Module, name)})
		funcs = append(funcs, Func{WASI: name, Go: fn.Name.Name})
	}
	if len(funcs) == 0 {
		return src, nil, nil
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.at - b.at })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.at])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:])
	return []byte(b.String()), funcs, nil
}
