package proxyhost

// LogEntry is one proxy_log line.
type LogEntry struct {
	Level LogLevel
	// Root is the root_id of the plugin the line came from (Envoy prefixes
	// its "wasm log" lines with it: PluginBase::makeLogPrefix).
	Root string
	// Context is the context the module logged from (0 when none: module
	// start).
	Context uint32
	Message string
}

// logKeep is how many messages per level a VM keeps (the newest); the
// counts cover every message.
const logKeep = 256

type logStore struct {
	count [numLevels]int
	kept  [numLevels][]string
}

func (l *logStore) add(level LogLevel, msg string) {
	l.count[level]++
	if len(l.kept[level]) == logKeep {
		copy(l.kept[level], l.kept[level][1:])
		l.kept[level] = l.kept[level][:logKeep-1]
	}
	l.kept[level] = append(l.kept[level], msg)
}

// Logs returns the newest messages logged at level (up to 256).
func (v *VM) Logs(level LogLevel) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if level >= numLevels {
		return nil
	}
	return append([]string(nil), v.logs.kept[level]...)
}

// LogCount is how many messages were logged at level.
func (v *VM) LogCount(level LogLevel) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if level >= numLevels {
		return 0
	}
	return v.logs.count[level]
}

// proxyLog is proxy_log(level, message, size): Envoy's Context::log writes
// the line at its level; a level past critical is logged as critical here
// (Envoy's switch has no case for it).
func (v *VM) proxyLog(level, ptr, size uint32) Status {
	msg, ok := v.readString(ptr, size)
	if !ok {
		return StatusInvalidMemoryAccess
	}
	l := LogLevel(level)
	if l >= numLevels {
		l = LogCritical
	}
	v.logs.add(l, msg)
	if v.opts.Log != nil {
		e := LogEntry{Level: l, Message: msg, Context: v.current}
		if r, _ := v.context(); r != nil {
			e.Root = r.Name
		}
		v.opts.Log(e)
	}
	return StatusOK
}
