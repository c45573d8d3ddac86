// HAL: DMA from sensor front-ends into linear memory.

/** Starts channel `ch` filling `len` bytes at `dst` with its next sensor frame; 0 or <0. */
@external("hal", "dma_start")
export declare function dma_start(ch: u32, dst: usize, len: u32): i32;

/** Channel state: 0 busy, 1 done, 2 no more data (end of stream), <0 error. */
@external("hal", "dma_status")
export declare function dma_status(ch: u32): i32;

export const DMA_BUSY: i32 = 0;
export const DMA_DONE: i32 = 1;
export const DMA_END: i32 = 2;
