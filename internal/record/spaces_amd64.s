#include "textflag.h"

// MASK32(off, dst) sets the low 32 bits of dst to a bitmap of the spaces
// among the 32 bytes of the line at off (SI: base, CX: length, Y0: spaces).
// A block past the end of the line is empty; a block that crosses it is read
// as the 32 bytes that end the line, with the bits of bytes before off
// shifted out (the line is at least 32 bytes long). R12 is scratch;
// partial and done name the macro's labels.
#define MASK32(off, dst, partial, done) \
	XORL dst, dst \
	CMPQ off, CX \
	JAE  done \
	LEAQ 32(off), R12 \
	CMPQ R12, CX \
	JA   partial \
	VMOVDQU (SI)(off*1), Y1 \
	VPCMPEQB Y0, Y1, Y1 \
	VPMOVMSKB Y1, dst \
	JMP  done \
partial: \
	VMOVDQU -32(SI)(CX*1), Y1 \
	VPCMPEQB Y0, Y1, Y1 \
	VPMOVMSKB Y1, dst \
	SUBQ CX, R12 \
	SHRXL R12, dst, dst \
done:

// CHECK13 checks the space bitmap of a line in R8 to R11 (bit i of the
// whole is byte i): it jumps to fail unless there are exactly thirteen
// spaces, the first byte is not one, and no two are next to each other
// (w & (w>>1 | next<<63) is zero for every word). The last byte is the
// caller's to check.
#define CHECK13(fail) \
	POPCNTQ R8, AX \
	POPCNTQ R9, BX \
	ADDQ BX, AX \
	POPCNTQ R10, BX \
	ADDQ BX, AX \
	POPCNTQ R11, BX \
	ADDQ BX, AX \
	CMPQ AX, $13 \
	JNE  fail \
	TESTQ $1, R8 \
	JNZ  fail \
	MOVQ R8, AX \
	SHRQ $1, AX \
	MOVQ R9, BX \
	SHLQ $63, BX \
	ORQ  BX, AX \
	ANDQ R8, AX \
	MOVQ AX, DX \
	MOVQ R9, AX \
	SHRQ $1, AX \
	MOVQ R10, BX \
	SHLQ $63, BX \
	ORQ  BX, AX \
	ANDQ R9, AX \
	ORQ  AX, DX \
	MOVQ R10, AX \
	SHRQ $1, AX \
	MOVQ R11, BX \
	SHLQ $63, BX \
	ORQ  BX, AX \
	ANDQ R10, AX \
	ORQ  AX, DX \
	MOVQ R11, AX \
	SHRQ $1, AX \
	ANDQ R11, AX \
	ORQ  AX, DX \
	JNZ  fail

// POSITIONS writes the positions of the spaces in the bitmap R8 to R11 to
// DI as 32-bit numbers, in order: BLSR clears the lowest bit and sets ZF
// when none is left. The arguments name the macro's labels.
#define POSITIONS(word1, word2, word3, bits0, bits1, bits2, bits3, done) \
	XORQ DX, DX \
	TESTQ R8, R8 \
	JZ   word1 \
bits0: \
	TZCNTQ R8, AX \
	MOVL AX, (DI)(DX*4) \
	INCQ DX \
	BLSRQ R8, R8 \
	JNZ  bits0 \
word1: \
	TESTQ R9, R9 \
	JZ   word2 \
bits1: \
	TZCNTQ R9, AX \
	ADDQ $64, AX \
	MOVL AX, (DI)(DX*4) \
	INCQ DX \
	BLSRQ R9, R9 \
	JNZ  bits1 \
word2: \
	TESTQ R10, R10 \
	JZ   word3 \
bits2: \
	TZCNTQ R10, AX \
	ADDQ $128, AX \
	MOVL AX, (DI)(DX*4) \
	INCQ DX \
	BLSRQ R10, R10 \
	JNZ  bits2 \
word3: \
	TESTQ R11, R11 \
	JZ   done \
bits3: \
	TZCNTQ R11, AX \
	ADDQ $192, AX \
	MOVL AX, (DI)(DX*4) \
	INCQ DX \
	BLSRQ R11, R11 \
	JNZ  bits3 \
done:

// func findSingleSpacesAVX2(line []byte, sp *[13]int32) bool
//
// The vector form of findSingleSpacesPortable: it reports whether the line
// has fourteen fields separated by single spaces and records in sp the
// positions of the thirteen spaces. The caller guarantees
// 32 <= len(line) <= 256 and that the processor has AVX2, BMI1, BMI2 and
// POPCNT.
TEXT ·findSingleSpacesAVX2(SB), NOSPLIT, $32-33
	MOVQ line_base+0(FP), SI
	MOVQ line_len+8(FP), CX
	MOVQ sp+24(FP), DI
	MOVL $0x20202020, AX
	MOVL AX, X0
	VPBROADCASTD X0, Y0

	// Four 64-bit words of the bitmap at 0(SP) to 24(SP), built from two
	// 32-byte blocks each, as far as the line goes.
	XORQ R8, R8
	MOVQ R8, 0(SP)
	MOVQ R8, 8(SP)
	MOVQ R8, 16(SP)
	MOVQ R8, 24(SP)
unit:
	MOVQ R8, R9
	ADDQ $32, R9
	MASK32(R8, AX, lopartial, lodone)
	MASK32(R9, BX, hipartial, hidone)
	SHLQ $32, BX
	ORQ  BX, AX
	MOVQ R8, R10
	SHRQ $3, R10
	MOVQ AX, (SP)(R10*1)
	ADDQ $64, R8
	CMPQ R8, CX
	JB   unit
	VZEROUPPER

	// The last byte is no space.
	CMPB -1(SI)(CX*1), $0x20
	JEQ  fail

	MOVQ 0(SP), R8
	MOVQ 8(SP), R9
	MOVQ 16(SP), R10
	MOVQ 24(SP), R11
	CHECK13(fail)
	POSITIONS(w1, w2, w3, b0, b1, b2, b3, found)
	MOVB $1, ret+32(FP)
	RET

fail:
	MOVB $0, ret+32(FP)
	RET

// BLOCK64(off, word, newline) sets word to the bitmap of the spaces among
// the 64 bytes of p at off (SI: base, CX: length, Z0: spaces, Z1:
// newlines), reading only bytes inside p, and jumps to newline with AX the
// bitmap of the newlines there, if any. It jumps to none when p ends before
// off. BX is scratch; full names the macro's label.
#define BLOCK64(off, word, newline, full) \
	MOVQ CX, BX \
	SUBQ $off, BX \
	JLE  none \
	MOVQ $-1, AX \
	CMPQ BX, $64 \
	JAE  full \
	BZHIQ BX, AX, AX \
full: \
	KMOVQ AX, K1 \
	VMOVDQU8.Z off(SI), K1, Z2 \
	VPCMPEQB Z1, Z2, K2 \
	VPCMPEQB Z0, Z2, K3 \
	KMOVQ K3, word \
	KMOVQ K2, AX \
	TESTQ AX, AX \
	JNZ  newline

// NEXTBLOCK(word) adds the positions of the spaces in word, the bitmap of
// the next 64-byte block, to the DX positions in Z6 (see
// lineEndAndSpacesAVX512). Z5 is the ramp of the block before, Z7 holds
// 64s and Z11 the ramp from 0.
#define NEXTBLOCK(word) \
	VPADDB Z7, Z5, Z5 \
	KMOVQ word, K1 \
	VPCOMPRESSB.Z Z5, K1, Z8 \
	VPBROADCASTB DX, Z9 \
	VPSUBB Z9, Z11, Z9 \
	MOVQ $-1, AX \
	SHLXQ DX, AX, AX \
	KMOVQ AX, K1 \
	VPERMB Z8, Z9, K1, Z6 \
	POPCNTQ word, AX \
	ADDQ AX, DX

// Bytes 0 to 63.
DATA ramp<>+0x00(SB)/8, $0x0706050403020100
DATA ramp<>+0x08(SB)/8, $0x0f0e0d0c0b0a0908
DATA ramp<>+0x10(SB)/8, $0x1716151413121110
DATA ramp<>+0x18(SB)/8, $0x1f1e1d1c1b1a1918
DATA ramp<>+0x20(SB)/8, $0x2726252423222120
DATA ramp<>+0x28(SB)/8, $0x2f2e2d2c2b2a2928
DATA ramp<>+0x30(SB)/8, $0x3736353433323130
DATA ramp<>+0x38(SB)/8, $0x3f3e3d3c3b3a3938
GLOBL ramp<>(SB), RODATA|NOPTR, $64

// func lineEndAndSpacesAVX512(p []byte, sp *[13]int32) (n int, ok bool)
//
// The vector form of lineEndAndSpacesPortable: it finds the first line of p
// when its newline is among the first 256 bytes (n is then the line's
// length, else -1), and reports whether that line has fourteen fields
// separated by single spaces, recording in sp the positions of the
// thirteen spaces. A line ending in a carriage return is not one. The
// caller guarantees that the processor has AVX512F, AVX512BW, AVX512VBMI,
// AVX512VBMI2, BMI1, BMI2 and POPCNT.
TEXT ·lineEndAndSpacesAVX512(SB), NOSPLIT, $0-41
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	MOVQ sp+24(FP), DI
	MOVL $0x20, AX
	VPBROADCASTB AX, Z0
	MOVL $0x0a, AX
	VPBROADCASTB AX, Z1
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R11, R11

	BLOCK64(0, R8, nl0, full0)
	BLOCK64(64, R9, nl1, full1)
	BLOCK64(128, R10, nl2, full2)
	BLOCK64(192, R11, nl3, full3)
	JMP  none

	// The newline ends the line: keep the spaces before it, in the word
	// of its block, and take its position as the line's length.
nl0:
	TZCNTQ AX, CX
	BZHIQ CX, R8, R8
	JMP  line
nl1:
	TZCNTQ AX, CX
	BZHIQ CX, R9, R9
	ADDQ $64, CX
	JMP  line
nl2:
	TZCNTQ AX, CX
	BZHIQ CX, R10, R10
	ADDQ $128, CX
	JMP  line
nl3:
	TZCNTQ AX, CX
	BZHIQ CX, R11, R11
	ADDQ $192, CX

line:
	MOVQ CX, n+32(FP)
	MOVB $0, ok+40(FP)
	// Fourteen fields need 27 bytes; the last byte is neither a space nor
	// a carriage return.
	CMPQ CX, $27
	JB   done
	MOVBLZX -1(SI)(CX*1), AX
	CMPB AX, $0x20
	JEQ  done
	CMPB AX, $0x0d
	JEQ  done
	CHECK13(done)

	// The positions without a branch: block b's are the bytes 64b to
	// 64b+63 of a ramp compressed by its word, then moved up behind those
	// of the blocks before (a permutation by ramp less their count);
	// the first thirteen, widened to 32 bits, are the answer.
	VMOVDQU64 ramp<>(SB), Z5
	VMOVDQA64 Z5, Z11
	MOVL $64, AX
	VPBROADCASTB AX, Z7
	KMOVQ R8, K1
	VPCOMPRESSB.Z Z5, K1, Z6
	POPCNTQ R8, DX
	NEXTBLOCK(R9)
	NEXTBLOCK(R10)
	NEXTBLOCK(R11)
	VPMOVZXBD X6, Z6
	MOVL $0x1fff, AX
	KMOVW AX, K1
	VMOVDQU32 Z6, K1, (DI)
	VZEROUPPER
	MOVB $1, ok+40(FP)
	RET
done:
	VZEROUPPER
	RET

none:
	VZEROUPPER
	MOVQ $-1, n+32(FP)
	MOVB $0, ok+40(FP)
	RET

// The 16-byte lanes of parseFourNumbersAVX512: byte i of every lane is i in
// laneRamp, and every byte of lane j is j in laneIndex.
DATA laneRamp<>+0x00(SB)/8, $0x0706050403020100
DATA laneRamp<>+0x08(SB)/8, $0x0f0e0d0c0b0a0908
DATA laneRamp<>+0x10(SB)/8, $0x0706050403020100
DATA laneRamp<>+0x18(SB)/8, $0x0f0e0d0c0b0a0908
DATA laneRamp<>+0x20(SB)/8, $0x0706050403020100
DATA laneRamp<>+0x28(SB)/8, $0x0f0e0d0c0b0a0908
DATA laneRamp<>+0x30(SB)/8, $0x0706050403020100
DATA laneRamp<>+0x38(SB)/8, $0x0f0e0d0c0b0a0908
GLOBL laneRamp<>(SB), RODATA|NOPTR, $64
DATA laneIndex<>+0x00(SB)/8, $0x0000000000000000
DATA laneIndex<>+0x08(SB)/8, $0x0000000000000000
DATA laneIndex<>+0x10(SB)/8, $0x0101010101010101
DATA laneIndex<>+0x18(SB)/8, $0x0101010101010101
DATA laneIndex<>+0x20(SB)/8, $0x0202020202020202
DATA laneIndex<>+0x28(SB)/8, $0x0202020202020202
DATA laneIndex<>+0x30(SB)/8, $0x0303030303030303
DATA laneIndex<>+0x38(SB)/8, $0x0303030303030303
GLOBL laneIndex<>(SB), RODATA|NOPTR, $64

// LANEMASK(a, b, shift) ORs into R13 the bits, in the 16-bit lane at
// shift, of the last n = b-a-1 bytes of the lane: the digits of the field
// between the spaces at a and b, right-aligned. It ORs n-1 into DX, to
// check every n is 1 to 16. AX is scratch.
#define LANEMASK(a, b, shift) \
	MOVQ b, AX \
	SUBQ a, AX \
	DECQ AX \
	LEAQ -1(AX), BX \
	ORQ  BX, DX \
	MOVL $0xffff0000, BX \
	SHRXL AX, BX, BX \
	ANDL $0xffff, BX \
	SHLQ $shift, BX \
	ORQ  BX, R13

// func parseFourNumbersAVX512(line []byte, b *[5]int32, v *[4]uint64) bool
//
// Converts the four fields of line between the spaces at b[0] to b[4] (so
// the fields of Packets to End) at once, each to v, when each is 1 to 16
// decimal digits, the first ends at least 16 bytes into the line and the
// four lie within 64 bytes of the line from 16 before that end; it
// reports false for any other fields, "-" included. The caller guarantees
// 0 <= b[0] < ... < b[4] <= len(line) and that the processor has AVX512F,
// AVX512BW, AVX512VBMI and BMI2.
//
// Lane i of a vector of four 16-byte lanes takes field i, right-aligned:
// a permutation gathers the field's bytes from a 64-byte window of the
// line, the bytes before the field are zero, and the digits are combined
// in pairs, fours, eights and sixteen with multiply-adds.
TEXT ·parseFourNumbersAVX512(SB), NOSPLIT, $0-41
	MOVQ line_base+0(FP), SI
	MOVQ line_len+8(FP), CX
	MOVQ b+24(FP), BX
	MOVQ v+32(FP), DI
	MOVLQSX 0(BX), R8
	MOVLQSX 4(BX), R9
	MOVLQSX 8(BX), R10
	MOVLQSX 12(BX), R11
	MOVLQSX 16(BX), R12

	// The digit mask in R13; every length 1 to 16.
	XORQ R13, R13
	XORQ DX, DX
	LANEMASK(R8, R9, 0)
	LANEMASK(R9, R10, 16)
	LANEMASK(R10, R11, 32)
	LANEMASK(R11, R12, 48)
	CMPQ DX, $16
	JAE  fail
	KMOVQ R13, K2

	// The window: the 64 bytes from 16 before the end of the first field,
	// as far as the line goes. Lane i starts at the end of field i less
	// 16, d_i = end_i - end_0 bytes into the window; the last lane must
	// end inside it.
	MOVQ R12, AX
	SUBQ R9, AX
	CMPQ AX, $48
	JA   fail
	LEAQ -16(R9), AX
	TESTQ AX, AX
	JS   fail
	// BZHI takes the low byte of its count: at most 64, or a long line
	// would wrap it.
	MOVQ CX, DX
	SUBQ AX, DX
	MOVQ $64, BX
	CMPQ DX, BX
	CMOVQHI BX, DX
	MOVQ $-1, BX
	BZHIQ DX, BX, BX
	KMOVQ BX, K1
	VMOVDQU8.Z (SI)(AX*1), K1, Z0

	// The lane offsets d_1..d_3 in bytes 1 to 3 of X1 (d_0 = 0), spread
	// to their lanes and added to the ramp: the window index of every
	// byte.
	SUBQ R9, R10
	SUBQ R9, R11
	SUBQ R9, R12
	SHLQ $8, R10
	SHLQ $16, R11
	SHLQ $24, R12
	ORQ  R11, R10
	ORQ  R12, R10
	MOVQ R10, X1
	VMOVDQU64 laneIndex<>(SB), Z2
	VPERMB Z1, Z2, Z2
	VPADDB laneRamp<>(SB), Z2, Z2

	// The digits, 0 to 9 where K2 says, else 0.
	VPERMB.Z Z0, Z2, K2, Z3
	MOVL $0x30, AX
	VPBROADCASTB AX, Z4
	VPSUBB.Z Z4, Z3, K2, Z3
	MOVL $9, AX
	VPBROADCASTB AX, Z4
	VPCMPUB $6, Z4, Z3, K3
	KORTESTQ K3, K3
	JNZ  fail

	// Pairs, fours, eights: 10a+b in 16 bits, 100a+b in 32, packed to
	// 16 bits and 10000a+b in 32; then sixteen: 1e8a+b in 64.
	MOVL $0x010a010a, AX
	VPBROADCASTD AX, Z4
	VPMADDUBSW Z4, Z3, Z3
	MOVL $0x00010064, AX
	VPBROADCASTD AX, Z4
	VPMADDWD Z4, Z3, Z3
	VPACKUSDW Z3, Z3, Z3
	MOVL $0x00012710, AX
	VPBROADCASTD AX, Z4
	VPMADDWD Z4, Z3, Z3
	MOVQ $100000000, AX
	VPBROADCASTQ AX, Z4
	VPMULUDQ Z4, Z3, Z5
	VPSRLQ $32, Z3, Z3
	VPADDQ Z3, Z5, Z5

	// The value of lane i is its first 64-bit word.
	MOVL $0x55, AX
	KMOVW AX, K4
	VPCOMPRESSQ Z5, K4, Z5
	VMOVDQU Y5, (DI)
	VZEROUPPER
	MOVB $1, ret+40(FP)
	RET

fail:
	VZEROUPPER
	MOVB $0, ret+40(FP)
	RET
