module example.com/wrongsdk

go 1.26

require github.com/tetratelabs/proxy-wasm-go-sdk v0.23.0
