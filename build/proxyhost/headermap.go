package proxyhost

import (
	"encoding/binary"
	"errors"
)

// Header returns the first value of name in hs.
func Header(hs [][2]string, name string) (string, bool) {
	for _, h := range hs {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

// SerializeMap encodes headers as the ABI's header map: a count, the sizes,
// then each key and value NUL-terminated (proxy-wasm-cpp-host
// exports::marshalPairs).
func SerializeMap(hs [][2]string) []byte {
	size := 4
	for _, h := range hs {
		size += len(h[0]) + len(h[1]) + 10
	}
	b := make([]byte, 4, size)
	binary.LittleEndian.PutUint32(b, uint32(len(hs)))
	for _, h := range hs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h[1])))
	}
	for _, h := range hs {
		b = append(b, h[0]...)
		b = append(b, 0)
		b = append(b, h[1]...)
		b = append(b, 0)
	}
	return b
}

// DeserializeMap decodes the ABI's header map; malformed input is an error
// (the host then answers BadArgument, as exports::toPairs failing does).
func DeserializeMap(b []byte) ([][2]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, errors.New("header map shorter than its count")
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > (len(b)-4)/8 {
		return nil, errors.New("header map count past its end")
	}
	sizes := b[4 : 4+8*n]
	data := b[4+8*n:]
	out := make([][2]string, n)
	for i := 0; i < n; i++ {
		for j := 0; j < 2; j++ {
			l := int(binary.LittleEndian.Uint32(sizes[8*i+4*j:]))
			if l < 0 || l+1 > len(data) {
				return nil, errors.New("header map entry past its end")
			}
			out[i][j] = string(data[:l])
			data = data[l+1:]
		}
	}
	return out, nil
}
