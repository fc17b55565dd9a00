//go:build unix

package export

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
)

// procIdentity names the PID space this process lives in: the host, and on
// Linux the boot and the PID namespace, so that a container sharing the
// host's name never judges another's PIDs.
func procIdentity(host string) string {
	if runtime.GOOS != "linux" {
		return host
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "" // no way to tell boots apart
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return "" // nor PID namespaces
	}
	return host + "/" + strings.TrimSpace(string(boot)) + "/" + ns
}

// processAlive reports whether a process with this PID exists (a process
// of another user counts).
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
