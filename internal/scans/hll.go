package scans

import (
	"math"
	"math/bits"
)

// A distinct set counts distinct values by their 32-bit hashes: exactly up
// to inlineValues of them, then with a HyperLogLog sketch of hllRegisters
// registers, whose relative standard error is 1.04/√1024 ≈ 3.25% (within
// ±10% in 99.7% of counts). Most sources touch one or two targets, so most
// sets never leave their few inline words.
const (
	inlineValues = 6
	hllBits      = 10
	hllRegisters = 1 << hllBits
)

// StdError is the relative standard error of a count above the exact range.
var StdError = 1.04 / math.Sqrt(hllRegisters)

// ExactUpTo is the largest count that is always exact.
const ExactUpTo = inlineValues

// hll is a HyperLogLog sketch: per register, the largest rank seen.
type hll [hllRegisters]uint8

func (h *hll) add(x uint32) {
	i := x >> (32 - hllBits)
	// The rank of the remaining 22 bits: leading zeros + 1, at most 23.
	rank := uint8(bits.LeadingZeros32(x<<hllBits|1<<(hllBits-1))) + 1
	if rank > h[i] {
		h[i] = rank
	}
}

func (h *hll) merge(o *hll) {
	for i, r := range o {
		if r > h[i] {
			h[i] = r
		}
	}
}

// estimate is the HyperLogLog estimate with the small-range correction
// (linear counting while registers are still empty). Hashes are 32 bits,
// far more than the 65,536 ports and the hosts a window sees, so the
// large-range correction is not needed.
func (h *hll) estimate() uint64 {
	m := float64(hllRegisters)
	sum, zeros := 0.0, 0
	for _, r := range h {
		sum += 1 / float64(uint64(1)<<r)
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return uint64(e + 0.5)
}

// distinct is a set's state: up to inlineValues hashes, or the index + 1
// of a sketch in its owner's sketches.
type distinct struct {
	vals   [inlineValues]uint32
	n      uint8
	sketch int32
}

// sketches holds the sketches of one worker's sets, in a slice of values
// so the garbage collector has no pointers to follow.
type sketches []hll

func (d *distinct) add(x uint32, sk *sketches) {
	if d.sketch != 0 {
		(*sk)[d.sketch-1].add(x)
		return
	}
	for _, v := range d.vals[:d.n] {
		if v == x {
			return
		}
	}
	if int(d.n) < inlineValues {
		d.vals[d.n] = x
		d.n++
		return
	}
	*sk = append(*sk, hll{})
	d.sketch = int32(len(*sk))
	h := &(*sk)[d.sketch-1]
	for _, v := range d.vals[:d.n] {
		h.add(v)
	}
	h.add(x)
}

// merge adds the values of o, whose sketches are in osk, to d.
func (d *distinct) merge(o *distinct, sk *sketches, osk sketches) {
	if o.sketch == 0 {
		for _, v := range o.vals[:o.n] {
			d.add(v, sk)
		}
		return
	}
	if d.sketch == 0 {
		*sk = append(*sk, hll{})
		h := &(*sk)[len(*sk)-1]
		for _, v := range d.vals[:d.n] {
			h.add(v)
		}
		d.sketch = int32(len(*sk))
	}
	(*sk)[d.sketch-1].merge(&osk[o.sketch-1])
}

func (d *distinct) count(sk sketches) uint64 {
	if d.sketch != 0 {
		return sk[d.sketch-1].estimate()
	}
	return uint64(d.n)
}

// mix32 hashes a 64-bit value to 32 well-mixed bits (the finaliser of
// SplitMix64).
func mix32(x uint64) uint32 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return uint32(x >> 32)
}
