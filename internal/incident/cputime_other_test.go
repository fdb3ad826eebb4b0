//go:build !unix

package incident_test

import "time"

// cpuTime is not measured here: the benchmark's cpu-ms/op reads 0.
func cpuTime() time.Duration { return 0 }

// processCPU is not measured here: db-cpu-ms/op is not reported.
func processCPU(pid int) time.Duration { return 0 }
