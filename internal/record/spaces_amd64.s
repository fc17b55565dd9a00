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

// SPACES13 checks the space bitmap of a line in R8 to R11 (bit i of the
// whole is byte i) and writes the positions of its spaces to DI: it jumps
// to fail unless there are exactly thirteen spaces, the first byte is not
// one, and no two are next to each other (w & (w>>1 | next<<63) is zero
// for every word). The last byte is the caller's to check. The positions
// come out in order: BLSR clears the lowest bit and sets ZF when none is
// left. The other arguments name the macro's labels.
#define SPACES13(fail, word1, word2, word3, bits0, bits1, bits2, bits3, done) \
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
	JNZ  fail \
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

	// The last byte is no space.
	CMPB -1(SI)(CX*1), $0x20
	JEQ  fail

	MOVQ 0(SP), R8
	MOVQ 8(SP), R9
	MOVQ 16(SP), R10
	MOVQ 24(SP), R11
	SPACES13(fail, w1, w2, w3, b0, b1, b2, b3, found)
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

// func firstLineSpacesAVX512(p []byte, sp *[13]int32) (n int, ok bool)
//
// The vector form of firstLineSpacesGeneric: it finds the first line of p
// when its newline is among the first 256 bytes (n is then the line's
// length, else -1), and reports whether that line has fourteen fields
// separated by single spaces, recording in sp the positions of the
// thirteen spaces. A line ending in a carriage return is not one. The
// caller guarantees that the processor has AVX512F, AVX512BW, BMI1, BMI2
// and POPCNT.
TEXT ·firstLineSpacesAVX512(SB), NOSPLIT, $0-41
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
	VZEROUPPER
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
	SPACES13(done, lw1, lw2, lw3, lb0, lb1, lb2, lb3, lfound)
	MOVB $1, ok+40(FP)
done:
	RET

none:
	VZEROUPPER
	MOVQ $-1, n+32(FP)
	MOVB $0, ok+40(FP)
	RET
