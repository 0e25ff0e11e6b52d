//! The escaping HTML and XML share; each report format adds its own rules for the rest.

/// `s` with `&`, `<`, `>` and `"` as entities and `'` as `apostrophe`; every other character
/// goes to `other`, which writes it, what stands for it, or nothing.
pub(crate) fn escape_markup(
    s: &str,
    apostrophe: &str,
    other: impl Fn(char, &mut String),
) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str(apostrophe),
            c => other(c, &mut o),
        }
    }
    o
}
