package localproxy

import (
	"sync"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// event is a stream event with what the owner needs from the stream,
// copied while the VM delivers it (the notify function runs with the VM
// locked, so the copy is consistent).
type event struct {
	proxyhost.Event
	// response is the local reply's headers after the module's
	// response-headers callback (EventLocalResponse only).
	response [][2]string
}

// events queues a stream's events for the goroutine serving the request.
// notify runs with the VM locked and must not block: it appends and
// signals.
type events struct {
	mu     sync.Mutex
	queue  []event
	signal chan struct{}
}

func newEvents() *events { return &events{signal: make(chan struct{}, 1)} }

func (e *events) notify(s **proxyhost.Stream) func(proxyhost.Event) {
	return func(ev proxyhost.Event) {
		out := event{Event: ev}
		if ev.Kind == proxyhost.EventLocalResponse && *s != nil {
			out.response = append([][2]string(nil), (*s).Response...)
		}
		e.mu.Lock()
		e.queue = append(e.queue, out)
		e.mu.Unlock()
		select {
		case e.signal <- struct{}{}:
		default:
		}
	}
}

// next takes the oldest queued event.
func (e *events) next() (event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		return event{}, false
	}
	ev := e.queue[0]
	e.queue = e.queue[1:]
	return ev, true
}

// final takes the first local reply or close queued, if any: once the
// module has answered the request or reset it, a continue queued beside
// it no longer matters (Envoy's stream has ended its decoding).
func (e *events) final() (event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, ev := range e.queue {
		if ev.Kind == proxyhost.EventLocalResponse || ev.Kind == proxyhost.EventClose {
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			return ev, true
		}
	}
	return event{}, false
}
