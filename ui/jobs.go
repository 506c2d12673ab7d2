package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

// maxLogLines is how many progress lines a job keeps (its log tail).
const maxLogLines = 200

// jobs are the operations started from the browser, by id.
type jobs struct {
	mu   sync.Mutex
	list []*job
	wg   sync.WaitGroup
}

func newJobs() *jobs { return &jobs{} }

func (js *jobs) wait() { js.wg.Wait() }

func (js *jobs) get(id int) *job {
	js.mu.Lock()
	defer js.mu.Unlock()
	if id < 1 || id > len(js.list) {
		return nil
	}
	return js.list[id-1]
}

// all returns the jobs, newest first.
func (js *jobs) all() []*job {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]*job, 0, len(js.list))
	for i := len(js.list) - 1; i >= 0; i-- {
		out = append(out, js.list[i])
	}
	return out
}

// job is one operation of a site.Site running in the background: its
// progress lines (the Site's Out), the question it waits on (the Site's
// Confirm) and how it ended.
type job struct {
	ID      int
	Title   string
	Back    string // the page the job is about
	Started time.Time
	// journal returns the finished steps of the operation's journal, when
	// it keeps one (preparations and runs).
	journal func() []site.Step
	// review is what the job's page shows next to the payload it asks
	// about (a result's metrics).
	review []metricRow

	mu       sync.Mutex
	log      jobLog
	ended    time.Time
	err      error
	done     string // what happened, on success
	link     string // where to go next, on success
	question *question
	answered chan bool
}

// question is what a job asks before something leaves the site: the
// Site's question and the exact payload it will send.
type question struct {
	Text    string
	Payload string
}

// start runs fn as the new job j (its Title, Back, journal and review set) on a copy of the server's Site whose Out is
// the job's log and whose Confirm asks on the job's page. fn returns what
// happened and the page to go to next.
func (s *Server) start(j *job, fn func(ctx context.Context, st *site.Site) (string, string, error)) *job {
	j.Started = time.Now()
	st := *s.cfg.Site
	st.Out = &j.log
	st.Options.ShowTaskOutput = true
	st.Confirm = func(q string, payload []byte) (bool, error) { return j.ask(s.ctx, q, payload) }
	s.jobs.mu.Lock()
	s.jobs.list = append(s.jobs.list, j)
	j.ID = len(s.jobs.list)
	s.jobs.mu.Unlock()
	s.jobs.wg.Add(1)
	go func() {
		defer s.jobs.wg.Done()
		done, link, err := fn(s.ctx, &st)
		j.mu.Lock()
		j.ended, j.err, j.done, j.link = time.Now(), err, done, link
		j.mu.Unlock()
	}()
	return j
}

// ask shows the payload on the job's page and waits for the user's answer.
func (j *job) ask(ctx context.Context, q string, payload []byte) (bool, error) {
	var pretty bytes.Buffer
	if json.Indent(&pretty, payload, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(payload)
	}
	ch := make(chan bool, 1)
	j.mu.Lock()
	j.question, j.answered = &question{Text: q, Payload: pretty.String()}, ch
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.question, j.answered = nil, nil
		j.mu.Unlock()
	}()
	select {
	case ok := <-ch:
		return ok, nil
	case <-ctx.Done():
		return false, &medperf.Error{Code: medperf.CodeCanceled, Message: "medperf ui stopped: nothing was sent", Err: ctx.Err()}
	}
}

// answer gives the user's answer to the pending question; false when there
// is none (already answered, or the page was stale).
func (j *job) answer(ok bool) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.answered == nil {
		return false
	}
	j.answered <- ok
	j.answered, j.question = nil, nil
	return true
}

// jobView is a job's state for its page.
type jobView struct {
	ID       int
	Title    string
	Back     string
	State    string // running, waiting, finished, failed
	Started  string
	Elapsed  string
	Step     string
	Steps    []site.Step
	Log      []string
	Question *question
	Done     string
	Link     string
	Error    string
}

func (j *job) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.ID, Title: j.Title, Back: j.Back, Started: j.Started.Format("15:04:05"), Log: j.log.tail(30), Question: j.question, Done: j.done, Link: j.link}
	end := time.Now()
	switch {
	case !j.ended.IsZero() && j.err != nil:
		v.State, v.Error, end = "failed", medperf.ErrorMessage(j.err), j.ended
	case !j.ended.IsZero():
		v.State, end = "finished", j.ended
	case j.question != nil:
		v.State = "waiting for your confirmation"
	default:
		v.State = "running"
	}
	v.Elapsed = end.Sub(j.Started).Round(time.Second).String()
	if n := len(v.Log); n > 0 {
		v.Step = v.Log[n-1]
	}
	if j.journal != nil {
		v.Steps = j.journal()
	}
	return v
}

// Running tells whether the page should refresh itself.
func (v jobView) Running() bool { return v.State == "running" }

// jobLog collects a job's progress lines.
type jobLog struct {
	mu      sync.Mutex
	lines   []string
	partial string
}

func (l *jobLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := l.partial + string(p)
	parts := strings.Split(text, "\n")
	l.partial = parts[len(parts)-1]
	for _, line := range parts[:len(parts)-1] {
		if line = strings.TrimRight(line, "\r"); line != "" {
			l.lines = append(l.lines, line)
		}
	}
	if n := len(l.lines); n > maxLogLines {
		l.lines = append([]string(nil), l.lines[n-maxLogLines:]...)
	}
	return len(p), nil
}

func (l *jobLog) tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	if l.partial != "" {
		lines = append(append([]string(nil), lines...), l.partial)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return append([]string(nil), lines...)
}

func stepsOf(j *site.Journal, err error) []site.Step {
	if err != nil || j == nil {
		return nil
	}
	return j.Steps
}

func jobPath(j *job) string { return fmt.Sprintf("/jobs/%d", j.ID) }
