package cmdutil

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// AddMemoryFlag adds --memory to a command that groups records: the budget
// of its group tables, past which they spill to temporary files.
func AddMemoryFlag(cmd *cobra.Command, size *ByteSize) {
	cmd.Flags().Var(size, "memory", "bound the memory of a group-by to about `SIZE` (512MiB, 2GiB, 1.5GB); past it groups spill to temporary files in $TMPDIR and the answer is the same (default: half of the machine's memory)")
}

// MemoryBudget returns the budget a --memory of size asks for, the default
// when it is 0, and bounds the process's heap to it (plus room for what is
// not a group table), so that the garbage collector works harder before
// the process grows past it.
func MemoryBudget(size ByteSize) int64 {
	budget := int64(size)
	if budget == 0 {
		budget = defaultMemoryBudget()
	}
	// A lower limit already set (GOMEMLIMIT) stands.
	if limit := budget + memoryBesideTables; limit < debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(limit)
	}
	return budget
}

// memoryBesideTables is the memory a group-by needs besides its group
// tables: readers, buffers, the runtime.
const memoryBesideTables = 64 << 20

// defaultMemoryBudget is half of the memory of the machine, or of the
// control group the process runs in when that is less, and 2 GiB where
// neither can be read.
func defaultMemoryBudget() int64 {
	total := int64(0)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if kb, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(kb, "kB")), 10, 64)
				total = n << 10
			}
		}
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && (total == 0 || n < total) {
			total = n
		}
	}
	if total <= 0 {
		return 2 << 30
	}
	return total / 2
}

// ByteSize is a flag's size in bytes: a number with an optional unit, KiB,
// MiB, GiB, TiB (or K, M, G, T) counting in 1024s and KB, MB, GB, TB in
// 1000s. Its zero value prints as nothing, for a flag whose default is
// worked out at run time.
type ByteSize int64

func (s *ByteSize) String() string {
	if *s == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*s), 10)
}

func (s *ByteSize) Type() string { return "SIZE" }

func (s *ByteSize) Set(v string) error {
	n, err := ParseByteSize(v)
	if err != nil {
		return err
	}
	*s = ByteSize(n)
	return nil
}

// ParseByteSize parses a size as ByteSize describes it; it must be
// positive.
func ParseByteSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	end := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(s)
	}
	number, unit := s[:end], strings.TrimSpace(s[end:])
	x, err := strconv.ParseFloat(number, 64)
	if err != nil || number == "" {
		return 0, fmt.Errorf("%q is not a size: want a number and a unit, such as 512MiB or 2GB", v)
	}
	scale := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	}[strings.ToLower(unit)]
	if scale == 0 {
		return 0, fmt.Errorf("%q is not a size: unknown unit %q (B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)", v, unit)
	}
	bytes := x * scale
	if bytes < 1 || bytes > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size: it must be at least 1 byte and at most 4 EiB", v)
	}
	return int64(bytes), nil
}
