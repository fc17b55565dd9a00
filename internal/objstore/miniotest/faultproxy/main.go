// Command faultproxy runs miniotest.FaultProxy in front of an S3 server,
// for scripts that time flowlog over a bad network (scripts/net-bench.sh):
//
//	go run ./internal/objstore/miniotest/faultproxy -target http://127.0.0.1:9000 \
//	    -listen 127.0.0.1:9100 -seed 13 -slowdown 0.1 -cut 0.1 -stall 0.05
//
// With -delay 30ms (and no faults) it stands for a bucket 30 ms away.
//
// It prints the faults injected when interrupted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flowlog/flowlog/internal/objstore/miniotest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback `ADDR` to listen on")
	target := flag.String("target", "", "S3 server `URL` to forward to")
	seed := flag.Uint64("seed", 1, "seed of the faults")
	slowDown := flag.Float64("slowdown", 0, "share of object reads answered 503 SlowDown")
	cut := flag.Float64("cut", 0, "share of object reads cut after -after bytes")
	stall := flag.Float64("stall", 0, "share of object reads stalled after -after bytes")
	after := flag.Int64("after", 4<<10, "bytes sent before a cut or a stall")
	delay := flag.Duration("delay", 0, "`DURATION` added before every request, as a distant bucket adds it")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "faultproxy: -target is required")
		os.Exit(2)
	}
	p, err := miniotest.NewFaultProxy(*listen, *target, miniotest.SeededPlan(*seed, *slowDown, *cut, *stall, *after))
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultproxy:", err)
		os.Exit(1)
	}
	p.SetDelay(*delay)
	fmt.Println(p.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	p.Close()
	n := p.Injected()
	fmt.Fprintf(os.Stderr, "faultproxy: injected %d slowdowns, %d cuts, %d stalls\n", n[miniotest.SlowDown], n[miniotest.Cut], n[miniotest.Stall])
}
