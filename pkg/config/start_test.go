package config

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// starter is a plugin whose start is LoadAs with a parser that needs "name".
type starter struct {
	types.DefaultVMContext
	types.DefaultPluginContext
	got string
}

func (s *starter) NewPluginContext(uint32) types.PluginContext { return s }

func (s *starter) OnPluginStart(int) types.OnPluginStartStatus {
	name, ok := LoadAs("demo", func(c *Object) (string, error) {
		if err := c.Known("name"); err != nil {
			return "", err
		}
		return c.RequiredString("name")
	})
	if !ok {
		return types.OnPluginStartStatusFailed
	}
	s.got = name
	return types.OnPluginStartStatusOK
}

func TestLoadAs(t *testing.T) {
	cases := []struct{ name, cfg, want, wantErr string }{
		{"parsed", `{"name": "x"}`, "x", ""},
		{"lines", "name=y\n", "y", ""},
		{"parse error", `{"name": 1}`, "", `demo: invalid configuration: key "name": expected a string, got number`},
		{"unknown key", `{"nme": "x"}`, "", `demo: invalid configuration: key "nme"`},
		{"syntax error", "name=y\nbroken\n", "", `demo: invalid configuration: line 2: missing "="`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &starter{}
			host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
				WithVMContext(s).WithPluginConfiguration([]byte(tc.cfg)))
			defer reset()
			status := host.StartPlugin()
			errs := host.GetErrorLogs()
			if tc.wantErr == "" {
				require.Equal(t, types.OnPluginStartStatusOK, status, errs)
				require.Equal(t, tc.want, s.got)
				require.Empty(t, errs)
				return
			}
			require.Equal(t, types.OnPluginStartStatusFailed, status)
			require.Len(t, errs, 1)
			require.Contains(t, errs[0], tc.wantErr)
		})
	}
}
