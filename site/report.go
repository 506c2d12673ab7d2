package site

import (
	"bytes"
	"context"
	"os"
	"sync"
	"time"

	"github.com/medperf/medperf"
)

// DefaultReportInterval is how often a preparation's progress report is
// sent, with the user's consent, while the preparator runs.
const DefaultReportInterval = 10 * time.Second

// watchReport sends the preparation report whenever it changed, every
// Options.ReportInterval, until the returned func is called. Failures to send
// are shown as progress and do not stop the preparation.
func (s *Site) watchReport(ctx context.Context, id int64, out Prepared) func() {
	every := s.Options.ReportInterval
	if every <= 0 {
		every = DefaultReportInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		var last []byte
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			b, err := os.ReadFile(out.Report())
			if err != nil || bytes.Equal(b, last) {
				continue
			}
			if err := s.sendReport(ctx, id, out); err != nil {
				s.progress("could not send the preparation report: %s", medperf.ErrorMessage(err))
				continue
			}
			last = b
		}
	}()
	return func() { cancel(); wg.Wait() }
}
