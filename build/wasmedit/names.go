package wasmedit

import (
	"fmt"
)

// FunctionNames returns the function names of a module's "name" custom
// section (its function-names subsection), or nil when it has none. The Go
// linker names each function after its Go symbol ("syscall.fd_pread").
func FunctionNames(module []byte) ([]string, error) {
	sections, err := split(module)
	if err != nil {
		return nil, err
	}
	for _, s := range sections {
		if s.id != secCustom {
			continue
		}
		r := &reader{b: s.body}
		if r.name() != "name" || r.err != nil {
			continue
		}
		for r.err == nil && r.pos < len(r.b) {
			id := r.u8()
			sub := r.bytes(r.u32())
			if id != 1 || r.err != nil {
				continue
			}
			fr := &reader{b: sub}
			n := fr.u32()
			names := make([]string, 0, n)
			for i := uint32(0); i < n && fr.err == nil; i++ {
				fr.u32()
				names = append(names, fr.name())
			}
			if fr.err != nil {
				return nil, fmt.Errorf("name section: %w", fr.err)
			}
			return names, nil
		}
		if r.err != nil {
			return nil, fmt.Errorf("name section: %w", r.err)
		}
	}
	return nil, nil
}

// StripNames returns the module without its "name" custom section: what the
// Go linker writes with -ldflags=-s, which omits only that section.
func StripNames(module []byte) ([]byte, error) {
	sections, err := split(module)
	if err != nil {
		return nil, err
	}
	kept := sections[:0:0]
	for _, s := range sections {
		if s.id == secCustom {
			r := &reader{b: s.body}
			if r.name() == "name" && r.err == nil {
				continue
			}
		}
		kept = append(kept, s)
	}
	return join(kept), nil
}
