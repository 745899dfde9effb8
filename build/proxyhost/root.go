package proxyhost

import (
	"bytes"
	"context"
)

// Root is a root context: one plugin (a root_id and its configuration) in
// the VM. Streams are created under it and its callouts are answered to it.
type Root struct {
	ID   uint32
	Name string // the plugin's root_id
	// Config is the configuration in force: the last one proxy_on_configure
	// accepted.
	Config []byte
	// Started is whether proxy_on_vm_start and the first proxy_on_configure
	// returned true; Envoy refuses a plugin that did not start.
	Started bool

	// configuring holds the configuration while proxy_on_context_create or
	// proxy_on_configure runs for this root: the only times Envoy lets the
	// module read it (ContextBase::onStart and ContextBase::onConfigure set
	// temp_plugin_ around those calls; Context::getBuffer returns nullptr
	// for PluginConfiguration otherwise).
	configuring []byte
	inConfigure bool

	// Callout tokens are counted per root context (Context::nextHttpCallToken
	// on the root, since exports::http_call dispatches on
	// contextOrEffectiveContext()->root_context()).
	nextToken uint32
	callouts  map[uint32]*Callout
	// answer is the callout answer while proxy_on_http_call_response runs
	// (Context::http_call_response_ on the root; nil during a reset).
	answer *Answer
	// status and message are what proxy_get_status reports (Context::getStatus).
	status  Status
	message string
}

// NewRoot starts a plugin in the VM, as WasmBase::start and then
// WasmBase::configure do for each plugin Envoy loads:
// proxy_on_context_create(root, 0) with the configuration readable
// (ContextBase::onStart), proxy_on_vm_start(root, vm configuration size)
// without it, then proxy_on_configure(root, configuration size) with it
// (ContextBase::onConfigure). A module that traps is an error; a plugin that
// refuses to start is not (see Root.Started and Logs).
func (v *VM) NewRoot(rootID string, config []byte) (*Root, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := &Root{ID: v.allocContextID(), Name: rootID, nextToken: 1, callouts: map[uint32]*Callout{}}
	v.roots[r.ID] = r
	v.rootList = append(v.rootList, r)
	r.configuring, r.inConfigure = config, true
	_, err := v.call("proxy_on_context_create", v.ex.contextCreate, r.ID, uint64(r.ID), 0)
	r.configuring, r.inConfigure = nil, false
	if err != nil {
		return r, err
	}
	if v.ex.vmStart != nil {
		res, err := v.call("proxy_on_vm_start", v.ex.vmStart, r.ID, uint64(r.ID), uint64(len(v.opts.VMConfig)))
		if err != nil {
			return r, err
		}
		if uint32(res) == 0 {
			return r, nil
		}
	}
	ok, err := v.configure(r, config)
	r.Started = ok
	return r, err
}

// Configure calls proxy_on_configure again on a running root with a new
// configuration: what the ABI provides for a configuration that changes.
// It returns what the module answered; the host's Root.Config changes only
// when it accepted. Streams already created keep whatever configuration the
// filter gave them; new ones get the filter's current one.
func (v *VM) Configure(r *Root, config []byte) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.configure(r, config)
}

func (v *VM) configure(r *Root, config []byte) (bool, error) {
	if v.ex.configure == nil {
		r.Config = bytes.Clone(config)
		return true, nil
	}
	r.configuring, r.inConfigure = config, true
	res, err := v.call("proxy_on_configure", v.ex.configure, r.ID, uint64(r.ID), uint64(len(config)))
	r.configuring, r.inConfigure = nil, false
	if err != nil {
		return false, err
	}
	ok := uint32(res) != 0
	if ok {
		r.Config = bytes.Clone(config)
	}
	return ok, nil
}

// Roots lists the root contexts, oldest first.
func (v *VM) Roots() []*Root {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*Root(nil), v.rootList...)
}

// Start is New followed by NewRoot: a VM running one plugin. The VM is
// closed when either fails; a plugin that refuses its configuration is not
// a failure (see Root.Started).
func Start(ctx context.Context, module []byte, opts Options, rootID string, config []byte) (*VM, *Root, error) {
	vm, err := New(ctx, module, opts)
	if err != nil {
		return nil, nil, err
	}
	r, err := vm.NewRoot(rootID, config)
	if err != nil {
		vm.Close()
		return nil, nil, err
	}
	return vm, r, nil
}
