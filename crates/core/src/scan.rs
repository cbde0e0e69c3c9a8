//! Scans of text by byte, shared by the fold's checks and the wording.

/// Whether a byte matches `hit`, and whether a byte is not ASCII, scanning
/// until the first block that has either (callers need no more: either
/// answer sends them to the slow path). Blocks are scanned without an early
/// exit inside each, so the compiler compares many bytes at a time; long
/// notes are read on every fold and every view.
pub fn scan_bytes(b: &[u8], hit: impl Fn(u8) -> bool) -> (bool, bool) {
    let (mut hits, mut wide) = (false, false);
    for block in b.chunks(64) {
        let (h, w) = block
            .iter()
            .fold((false, false), |(h, w), &c| (h | hit(c), w | (c >= 0x80)));
        hits |= h;
        wide |= w;
        if hits || wide {
            break;
        }
    }
    (hits, wide)
}
