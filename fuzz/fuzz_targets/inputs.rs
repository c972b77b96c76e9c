//! The input formats on arbitrary bytes, detected by content as `tamis score` does: saved
//! HTML pages, WXR and Disqus exports, encodings, text dumps. Never panics; every thread's
//! parents come before their replies and spans stay inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let _ = tamis::features::detect("");
    },
    |data: &[u8]| {
    let opts = tamis::thread::ReadOptions::default();
    let _ = tamis::thread::read_threads_from("fuzz.html", data, &opts, |t| {
        for c in &t.comments {
            if let Some(p) = c.parent {
                assert!(p < c.index, "parent after reply");
            }
            assert!(c.span.0 <= c.span.1 && c.span.1 <= data.len(), "span outside the input");
        }
        Ok(())
    });
});
