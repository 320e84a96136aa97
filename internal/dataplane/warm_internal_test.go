package dataplane

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestRunJobsRaisesPanics: a job's panic reaches the caller of runJobs (where the CLI's or a
// server's recover turns it into an internal error), after the other workers have stopped.
func TestRunJobsRaisesPanics(t *testing.T) {
	var ran atomic.Int64
	jobs := make([]func(), 100)
	for i := range jobs {
		jobs[i] = func() {
			ran.Add(1)
			if i == 50 {
				panic("job 50")
			}
		}
	}
	defer func() {
		if r := recover(); r != "job 50" {
			t.Errorf("recovered %v, want the job's panic", r)
		}
	}()
	_ = runJobs(context.Background(), jobs)
	t.Errorf("runJobs returned after a panicking job (%d jobs ran)", ran.Load())
}
