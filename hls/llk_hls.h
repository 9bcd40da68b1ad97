/* Internal to hls/: the one switch between the two compilers of the kernel sources.
 * Vitis HLS sees the pragmas; gcc (C simulation, the hlsemu backend) sees nothing. */
#ifndef LLK_HLS_H
#define LLK_HLS_H

/*
 * LL_HLS(PIPELINE II=1) becomes #pragma HLS PIPELINE II=1 under synthesis only.
 * Arguments hold no commas: a comma would split the macro argument.
 */
#ifdef __SYNTHESIS__
#define LL_HLS_(x) _Pragma(#x)
#define LL_HLS(x)  LL_HLS_(HLS x)
#else
#define LL_HLS(x)
#endif /* __SYNTHESIS__ */

#endif /* LLK_HLS_H */
