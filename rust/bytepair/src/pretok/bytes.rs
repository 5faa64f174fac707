//! Pre-tokenization of raw bytes (binary tokenizers): fixed windows counted
//! from the start of a document, and optionally runs of NUL bytes as pieces
//! of their own. Nothing here reads the bytes as text.

/// Call `emit` with the pieces of one window: the window itself, or with
/// `split_on_nul` its NUL runs and the stretches between them.
#[inline]
fn window_pieces(window: &[u8], split_on_nul: bool, mut emit: impl FnMut(&[u8])) {
    if !split_on_nul {
        emit(window);
        return;
    }
    let mut start = 0;
    while start < window.len() {
        let nul = window[start] == 0;
        let len = window[start..]
            .iter()
            .position(|&b| (b == 0) != nul)
            .unwrap_or(window.len() - start);
        emit(&window[start..start + len]);
        start += len;
    }
}

/// Call `emit` with every piece of `data`, cut into windows of `window`
/// bytes from its start (`usize::MAX`: one window).
pub fn pieces(data: &[u8], window: usize, split_on_nul: bool, mut emit: impl FnMut(&[u8])) {
    for w in data.chunks(window.max(1)) {
        window_pieces(w, split_on_nul, &mut emit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], window: usize, nul: bool) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        pieces(data, window, nul, |p| v.push(p.to_vec()));
        v
    }

    #[test]
    fn windows_and_nul_runs() {
        assert_eq!(collect(b"abcdefg", 3, false), [&b"abc"[..], b"def", b"g"]);
        assert_eq!(
            collect(b"ab\0\0cd\0", 4, true),
            [&b"ab"[..], b"\0\0", b"cd", b"\0"]
        );
    }
}
