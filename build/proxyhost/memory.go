package proxyhost

// read returns size bytes of linear memory at ptr (a view, not a copy).
func (v *VM) read(ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	return v.mem.Read(ptr, size)
}

func (v *VM) readString(ptr, size uint32) (string, bool) {
	b, ok := v.read(ptr, size)
	return string(b), ok
}

// give copies data into memory the module allocates
// (proxy_on_memory_allocate) and writes its address and size to the return
// pointers (WasmBase::copyToPointerSize).
func (v *VM) give(data []byte, retPtr, retSize uint32) Status {
	if len(data) == 0 {
		if !v.mem.WriteUint32Le(retPtr, 0) || !v.mem.WriteUint32Le(retSize, 0) {
			return StatusInvalidMemoryAccess
		}
		return StatusOK
	}
	stack := []uint64{uint64(len(data))}
	if err := v.ex.alloc.CallWithStack(v.ctx, stack); err != nil {
		return StatusInternalFailure
	}
	addr := uint32(stack[0])
	if !v.mem.Write(addr, data) || !v.mem.WriteUint32Le(retPtr, addr) || !v.mem.WriteUint32Le(retSize, uint32(len(data))) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}
