//! `#[test_purpose]` on `fn name() -> TestPurpose` registers the function with the suite
//! its crate exports: no list to keep by hand. The registration records the function's
//! module and line, so a suite runs its modules in the order it declares and each module's
//! test purposes in the order they are written. Use it as `mip6lab_suite::test_purpose`.

use proc_macro::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn test_purpose(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return error(
            "#[test_purpose] takes no arguments: declare everything in the TestPurpose",
            Span::call_site(),
        );
    }
    let Some(name) = function_name(item.clone()) else {
        return error(
            "#[test_purpose] goes on a function `fn name() -> TestPurpose`",
            Span::call_site(),
        );
    };
    // Spanned at the attribute: `line!()` in the registration is the attribute's line.
    let registration: TokenStream = format!("::mip6lab_suite::register_test_purpose!({name});")
        .parse()
        .expect("a registration is valid Rust");
    let mut out = item;
    out.extend(registration);
    out
}

/// The identifier after the top-level `fn` keyword.
fn function_name(item: TokenStream) -> Option<Ident> {
    let mut tokens = item.into_iter();
    while let Some(t) = tokens.next() {
        if let TokenTree::Ident(i) = &t {
            if i.to_string() == "fn" {
                return match tokens.next() {
                    Some(TokenTree::Ident(name)) => Some(name),
                    _ => None,
                };
            }
        }
    }
    None
}

/// `compile_error!("…")` at `span`.
fn error(msg: &str, span: Span) -> TokenStream {
    let mut text = proc_macro::Literal::string(msg);
    text.set_span(span);
    let args = Group::new(Delimiter::Parenthesis, TokenTree::Literal(text).into());
    [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(args),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]
    .into_iter()
    .collect()
}
