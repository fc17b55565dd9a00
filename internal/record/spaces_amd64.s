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

// func singleSpacesAVX2(line []byte, sp *[13]int32) bool
//
// The vector form of singleSpacesGeneric: it reports whether the line has
// fourteen fields separated by single spaces and records in sp the
// positions of the thirteen spaces. The caller guarantees
// 32 <= len(line) <= 256 and that the processor has AVX2, BMI1, BMI2 and
// POPCNT.
TEXT ·singleSpacesAVX2(SB), NOSPLIT, $32-33
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

	MOVQ 0(SP), R8
	MOVQ 8(SP), R9
	MOVQ 16(SP), R10
	MOVQ 24(SP), R11

	// Thirteen spaces.
	POPCNTQ R8, AX
	POPCNTQ R9, BX
	ADDQ BX, AX
	POPCNTQ R10, BX
	ADDQ BX, AX
	POPCNTQ R11, BX
	ADDQ BX, AX
	CMPQ AX, $13
	JNE  fail

	// None first or last.
	TESTQ $1, R8
	JNZ  fail
	LEAQ -1(CX), AX
	MOVQ AX, BX
	SHRQ $6, BX
	MOVQ (SP)(BX*8), BX
	BTQ  AX, BX
	JCS  fail

	// None next to another: w & (w>>1 | next<<63) is zero for every word.
	MOVQ R8, AX
	SHRQ $1, AX
	MOVQ R9, BX
	SHLQ $63, BX
	ORQ  BX, AX
	ANDQ R8, AX
	MOVQ AX, DX
	MOVQ R9, AX
	SHRQ $1, AX
	MOVQ R10, BX
	SHLQ $63, BX
	ORQ  BX, AX
	ANDQ R9, AX
	ORQ  AX, DX
	MOVQ R10, AX
	SHRQ $1, AX
	MOVQ R11, BX
	SHLQ $63, BX
	ORQ  BX, AX
	ANDQ R10, AX
	ORQ  AX, DX
	MOVQ R11, AX
	SHRQ $1, AX
	ANDQ R11, AX
	ORQ  AX, DX
	JNZ  fail

	// The positions, in order. BLSR clears the lowest bit and sets ZF when
	// none is left.
	XORQ DX, DX
	TESTQ R8, R8
	JZ   word1
bits0:
	TZCNTQ R8, AX
	MOVL AX, (DI)(DX*4)
	INCQ DX
	BLSRQ R8, R8
	JNZ  bits0
word1:
	TESTQ R9, R9
	JZ   word2
bits1:
	TZCNTQ R9, AX
	ADDQ $64, AX
	MOVL AX, (DI)(DX*4)
	INCQ DX
	BLSRQ R9, R9
	JNZ  bits1
word2:
	TESTQ R10, R10
	JZ   word3
bits2:
	TZCNTQ R10, AX
	ADDQ $128, AX
	MOVL AX, (DI)(DX*4)
	INCQ DX
	BLSRQ R10, R10
	JNZ  bits2
word3:
	TESTQ R11, R11
	JZ   done
bits3:
	TZCNTQ R11, AX
	ADDQ $192, AX
	MOVL AX, (DI)(DX*4)
	INCQ DX
	BLSRQ R11, R11
	JNZ  bits3
done:
	MOVB $1, ret+32(FP)
	RET

fail:
	MOVB $0, ret+32(FP)
	RET
