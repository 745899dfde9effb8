package binding

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// Optional maps each callback a module need not export to the HttpContext
// method that is its only use. Envoy calls such a callback only when the
// module exports it (proxy-wasm-cpp-host's ContextBase::onRequestBody and
// its siblings return Continue when the export is missing), so a filter
// whose contexts keep types.DefaultHttpContext's version, which returns
// ActionContinue, behaves the same without it and saves a call into the
// module per body chunk or trailer block.
var Optional = map[string]string{
	"proxy_on_request_body":      "OnHttpRequestBody",
	"proxy_on_request_trailers":  "OnHttpRequestTrailers",
	"proxy_on_response_body":     "OnHttpResponseBody",
	"proxy_on_response_trailers": "OnHttpResponseTrailers",
}

// Required lists the callbacks every module exports: Callbacks minus
// Optional.
func Required() []string {
	var names []string
	for _, name := range Callbacks() {
		if _, ok := Optional[name]; !ok {
			names = append(names, name)
		}
	}
	return names
}

// SourceWithout returns the binding's source without the exported functions
// of the named callbacks, each of which must be in Optional.
func SourceWithout(callbacks []string) ([]byte, error) {
	drop := map[string]bool{}
	for _, name := range callbacks {
		if _, ok := Optional[name]; !ok {
			return nil, fmt.Errorf("callback %s is not optional", name)
		}
		drop[name] = true
	}
	if len(drop) == 0 {
		return Source, nil
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, FileName, Source, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	kept := file.Decls[:0]
	var dropped []string
	for _, decl := range file.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Doc != nil {
			if name := exportName(fn.Doc); drop[name] {
				dropped = append(dropped, name)
				removeComment(file, fn.Doc)
				continue
			}
		}
		kept = append(kept, decl)
	}
	file.Decls = kept
	if len(dropped) != len(drop) {
		sort.Strings(dropped)
		return nil, fmt.Errorf("the binding exports only %v of %v", dropped, callbacks)
	}
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, file); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func exportName(doc *ast.CommentGroup) string {
	for _, c := range doc.List {
		if name, ok := strings.CutPrefix(c.Text, "//go:wasmexport "); ok {
			return strings.TrimSpace(name)
		}
	}
	return ""
}

func removeComment(file *ast.File, doc *ast.CommentGroup) {
	for i, c := range file.Comments {
		if c == doc {
			file.Comments = append(file.Comments[:i], file.Comments[i+1:]...)
			return
		}
	}
}
