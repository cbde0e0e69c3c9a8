//! Scans of text by byte, shared by the fold's checks and the wording.

/// Whether a byte matches `hit`, and whether a byte is not ASCII, scanning
/// until the first block that has either (callers need no more: either
/// answer sends them to the slow path). Blocks are scanned without an early
/// exit inside each, so the compiler compares many bytes at a time; long
/// notes are read on every fold and every view.
pub fn scan_bytes(b: &[u8], hit: impl Fn(u8) -> bool) -> (bool, bool) {
    // Byte-wide flags, not bools, so that each block compiles to vector
    // compares (bools kept the loop at a byte a step).
    for block in b.chunks(64) {
        let (mut h, mut w) = (0u8, 0u8);
        for &c in block {
            h |= u8::from(hit(c));
            w |= c;
        }
        let (hits, wide) = (h != 0, w >= 0x80);
        if hits || wide {
            return (hits, wide);
        }
    }
    (false, false)
}
