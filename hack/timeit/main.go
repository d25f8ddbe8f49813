// Command timeit runs a command several times and prints its wall time, CPU time (user+system)
// and peak RSS (min, median), for hack/perf.sh. Wall time is measured around fork/exec/wait with the monotonic clock
// (nanosecond resolution, unlike /usr/bin/time's 10 ms); peak RSS is the child's ru_maxrss.
//
//	go run ./hack/timeit -n 20 -- ./bin/xdsctl version
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 10, "number of runs")
	warm := flag.Int("warmup", 1, "runs before measuring (page cache, binary)")
	label := flag.String("label", "", "label printed before the figures (default: the command)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n N] [-warmup N] [-label L] -- command [args]")
		os.Exit(2)
	}
	if *label == "" {
		*label = fmt.Sprint(args)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		fatal(err)
	}
	var walls, cpus []time.Duration
	var rss []int64
	for i := 0; i < *warm+*n; i++ {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout = devnull
		cmd.Stderr = devnull
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			fatal(err)
		}
		if i < *warm {
			continue
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		walls = append(walls, wall)
		cpus = append(cpus, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
		rss = append(rss, ru.Maxrss) // KiB on Linux
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(rss)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	mib := func(k int64) float64 { return float64(k) / 1024 }
	mid := len(walls) / 2
	fmt.Printf("%-28s runs %3d  wall ms min %7.1f med %7.1f  cpu ms min %7.1f med %7.1f  peak RSS MiB min %6.1f med %6.1f max %6.1f\n",
		*label, len(walls), ms(walls[0]), ms(walls[mid]), ms(cpus[0]), ms(cpus[mid]),
		mib(rss[0]), mib(rss[mid]), mib(rss[len(rss)-1]))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "timeit:", err)
	os.Exit(1)
}
