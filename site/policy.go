package site

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site/policy"
)

// checkPolicy decides a against the site's policy (none: everything is
// allowed) and returns its refusals as one CodeForbidden error naming each
// rule and its line.
func (s *Site) checkPolicy(a policy.Action) error {
	if s.Policy == nil {
		return nil
	}
	a.Server = s.Server
	return s.Policy.Decide(a).Err()
}

// PolicyContainer describes one task that would start, with the limits it
// would run under.
func (s *Site) PolicyContainer(name string, cfg *cube.Config, imageHash, task string) policy.Container {
	c := policy.Container{Name: name + " " + task, Image: cfg.Image, Digest: imageHash, Runtime: s.RuntimeName,
		CPUs: s.Options.Limits.CPUs, Memory: s.Options.Limits.Memory, Timeout: s.Options.Timeouts[task]}
	if c.Memory == 0 {
		c.Memory = cube.DefaultMemory()
	}
	if c.Timeout == 0 {
		c.Timeout = cube.DefaultTimeout(task)
	}
	c.GPUs = gpuCount(s.Options.Limits.GPUs)
	return c
}

// gpuCount reads a GPUs setting: "" none, "all" -1, a count, or device ids.
func gpuCount(g string) int {
	switch {
	case g == "":
		return 0
	case g == "all":
		return -1
	case strings.HasPrefix(g, "device="):
		return len(strings.Split(strings.TrimPrefix(g, "device="), ","))
	}
	n, err := strconv.Atoi(g)
	if err != nil {
		return -1
	}
	return n
}

// checkRunPolicy checks, before any container of a run starts (and before
// anything is downloaded for it), every task the run would start: each
// model's infer task and the evaluator's evaluate task, and the URLs of
// their image archives and additional files.
func (s *Site) checkRunPolicy(ctx context.Context, b *medperf.Benchmark, models []int64) error {
	if s.Policy == nil {
		return nil
	}
	a := policy.Action{Benchmark: b.ID}
	for _, x := range append(append([]int64{}, models...), b.DataEvaluatorContainer) {
		c, err := s.Registry.GetContainer(ctx, x)
		if err != nil {
			return err
		}
		cfg, err := cube.ParseConfig("", c.Config)
		if err != nil {
			return err
		}
		name, task := "model "+strconv.FormatInt(x, 10), medperf.TaskInfer
		if x == b.DataEvaluatorContainer {
			name, task = "evaluator "+strconv.FormatInt(x, 10), medperf.TaskEvaluate
		}
		pc := s.PolicyContainer(name, cfg, c.ImageHash, task)
		if err := s.signatureFacts(ctx, c, &pc); err != nil {
			return err
		}
		a.Containers = append(a.Containers, pc)
		if !s.Policy.PrivateURLs {
			a.PrivateURLs = append(a.PrivateURLs, PrivateURLs(ctx, cfg.Image, c.AdditionalFilesURL)...)
		}
	}
	return s.checkPolicy(a)
}

// checkSubmissionPolicy checks a result before it is sent: the benchmark's
// privacy floor (medperf.CheckMinCases) and the site policy's metrics and
// min_cases rules.
func (s *Site) checkSubmissionPolicy(ctx context.Context, r *LocalResult) error {
	b, err := s.Registry.GetBenchmark(ctx, r.BenchmarkID)
	if err != nil {
		return err
	}
	decl, err := medperf.ParseMetricSet(b.Metrics)
	if err != nil {
		return err
	}
	if err := medperf.CheckMinCases(decl, r.Metrics); err != nil {
		return err
	}
	return s.checkPolicy(policy.Action{Benchmark: b.ID, Submission: submissionFacts(decl, r.Metrics)})
}

// submissionFacts names the metrics a result would send (nested ones by
// their dotted path) and its case count (-1 when it does not say).
func submissionFacts(decl medperf.MetricSet, metrics json.RawMessage) *policy.Submission {
	sub := &policy.Submission{Cases: -1}
	var m map[string]any
	if json.Unmarshal(metrics, &m) != nil {
		return sub
	}
	var walk func(prefix string, v map[string]any)
	walk = func(prefix string, v map[string]any) {
		for k, x := range v {
			if nested, ok := x.(map[string]any); ok {
				walk(prefix+k+".", nested)
				continue
			}
			sub.Metrics = append(sub.Metrics, prefix+k)
		}
	}
	walk("", m)
	sort.Strings(sub.Metrics)
	if n, ok := m[decl.CasesKey()].(float64); ok {
		sub.Cases = int64(n)
	}
	return sub
}
