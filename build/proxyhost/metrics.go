package proxyhost

// Metric types of proxy_define_metric.
const (
	metricCounter   = 0
	metricGauge     = 1
	metricHistogram = 2
)

type metric struct {
	name  string
	kind  uint32
	value uint64
}

// metricStore holds the module's metrics. Defining a name twice returns
// the same metric (Envoy's stats scope returns the existing stat for a name).
type metricStore struct {
	list  []metric
	index map[string]uint32
}

func newMetricStore() metricStore { return metricStore{index: map[string]uint32{}} }

// Counter returns a metric's value and whether the module defined it.
func (v *VM) Counter(name string) (uint64, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	id, ok := v.metrics.index[name]
	if !ok {
		return 0, false
	}
	return v.metrics.list[id].value, true
}

// Metrics lists the metrics the module defined, by name.
func (v *VM) Metrics() map[string]uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]uint64{}
	for _, m := range v.metrics.list {
		out[m.name] = m.value
	}
	return out
}

// proxyDefineMetric is proxy_define_metric(type, name, size, id_ptr): an
// unknown type is BadArgument (Context::defineMetric).
func (v *VM) proxyDefineMetric(kind, namePtr, nameSize, idPtr uint32) Status {
	if kind > metricHistogram {
		return StatusBadArgument
	}
	name, ok := v.readString(namePtr, nameSize)
	if !ok {
		return StatusInvalidMemoryAccess
	}
	id, seen := v.metrics.index[name]
	if !seen {
		id = uint32(len(v.metrics.list))
		v.metrics.list = append(v.metrics.list, metric{name: name, kind: kind})
		v.metrics.index[name] = id
	}
	if !v.mem.WriteUint32Le(idPtr, id) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxyIncrementMetric is proxy_increment_metric(id, offset): a counter
// only grows (a non-positive offset is BadArgument), a gauge moves either
// way, a histogram cannot be incremented (Context::incrementMetric).
func (v *VM) proxyIncrementMetric(id uint32, offset int64) Status {
	if int(id) >= len(v.metrics.list) {
		return StatusNotFound
	}
	m := &v.metrics.list[id]
	switch m.kind {
	case metricCounter:
		if offset <= 0 {
			return StatusBadArgument
		}
	case metricHistogram:
		return StatusBadArgument
	}
	m.value += uint64(offset) // two's complement: a negative gauge offset subtracts
	return StatusOK
}

// proxyRecordMetric is proxy_record_metric(id, value): a counter adds the
// value, a gauge takes it, a histogram records it (Context::recordMetric;
// this host keeps the last value recorded).
func (v *VM) proxyRecordMetric(id uint32, value uint64) Status {
	if int(id) >= len(v.metrics.list) {
		return StatusNotFound
	}
	m := &v.metrics.list[id]
	if m.kind == metricCounter {
		m.value += value
	} else {
		m.value = value
	}
	return StatusOK
}

// proxyGetMetric is proxy_get_metric(id, value_ptr): histograms cannot be
// read (Context::getMetric).
func (v *VM) proxyGetMetric(id, resultPtr uint32) Status {
	if int(id) >= len(v.metrics.list) {
		return StatusNotFound
	}
	if v.metrics.list[id].kind == metricHistogram {
		return StatusBadArgument
	}
	if !v.mem.WriteUint64Le(resultPtr, v.metrics.list[id].value) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}
