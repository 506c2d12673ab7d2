package sqldb

import (
	"context"
	"time"
)

// waker is a store's background goroutine that commits wake (the log's
// sequencer, the planner statistics' analyzer): a wake that arrives while
// it works is kept, and any more coalesce with it, into one more round.
type waker struct {
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// startWaker runs round after each wake, in a goroutine of its own, until
// close.
func startWaker(round func(ctx context.Context)) *waker {
	ctx, stop := context.WithCancel(context.Background())
	w := &waker{wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
			round(ctx)
		}
	}()
	return w
}

// kick wakes w without waiting; nothing on a nil w.
func (w *waker) kick() {
	if w == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// close stops w and waits for its round to end; nothing on a nil w.
func (w *waker) close() {
	if w == nil {
		return
	}
	w.stop()
	<-w.done
}

// pause waits for d, and reports false when ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
