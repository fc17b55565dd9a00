#include "textflag.h"

// func prefetchSpan(p unsafe.Pointer, n uintptr)
//
// Asks for the cache lines holding the first and the last byte of the n
// bytes at p, without waiting for them.
TEXT ·prefetchSpan(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), BX
	PREFETCHT0 (AX)
	PREFETCHT0 -1(AX)(BX*1)
	RET
